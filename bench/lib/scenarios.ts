import { cpuMeter } from './cpuSplit.js';
import { type HashingBackdrop, hashBeside } from './hashLimit.js';
import { type LoginResult, measureLogins, type ProbeResult, singleLoginMs } from './login.js';
import { type LoopWindow, startLoopWindow } from './loopMetrics.js';
import type { PreparedStack } from './prepare.js';
import { probeInOwnProcess } from './probeProcess.js';
import { type RefreshResult, runRefreshChains } from './refresh.js';
import { measureRawCommits } from './sqliteCommits.js';
import type { Stack } from './stacks.js';
import { median } from './stats.js';
import { type LoadResult, measureServerGets } from './wrk.js';

/**
 * Durations and sizes of one run. Throughput is measured in interleaved rounds (every server once
 * per round, the median round kept), so load from other work on a shared machine lands on all
 * servers alike instead of on whichever ran during a busy minute.
 */
export const PLAN = {
  rounds: 3,
  getSeconds: 3,
  connections: 32,
  refreshRounds: 3,
  refreshSeconds: 2,
  concurrentChains: 16,
  loginSeconds: 5,
  loginClients: 4,
  probeRate: 200,
  probeSeconds: 6,
  stormClients: 4,
  distinctUsers: 1000,
  bypassUsers: 700,
  /** Fresh starts of Baton whose median is the start-up figure. */
  startups: 5,
} as const;

export interface GetRow {
  readonly label: string;
  readonly load: LoadResult;
  readonly peakRssMiB: number;
  /**
   * CPU per request of the server's processes in µs (the median round's), from /proc: the work a
   * request takes, apart from how the scheduler placed server and wrk (it moves with the host too).
   */
  readonly cpuMicrosPerRequest: number | undefined;
}

/** Concurrent refreshes, with the CPU the server's event loop took per rotation where measured. */
export type MeteredRefresh = RefreshResult & { readonly loopMicros?: number };

export interface StackResult {
  readonly stack: string;
  readonly startupMs: number;
  readonly gets: GetRow[];
  readonly durableRefresh: boolean;
  refreshSequential?: RefreshResult;
  /** The median round's (by rate). */
  refreshConcurrent?: MeteredRefresh;
  singleLoginMs?: number;
  logins?: LoginResult;
  storm?: {
    readonly quiet: ProbeResult;
    readonly during: ProbeResult;
    readonly logins: LoginResult;
    /** Baton's own event loop during each (its `/metrics`). */
    readonly loop?: { readonly quiet: LoopWindow; readonly during: LoopWindow };
  };
  /** For the bare server: the probe quiet and with argon2 busy in other processes (no logins). */
  hashingBeside?: {
    readonly quiet: ProbeResult;
    readonly during: ProbeResult;
    readonly hashing: HashingBackdrop;
  };
}

type Step = (what: string, work: () => Promise<unknown>) => Promise<boolean>;

/** GET /todos on every server and token case, round after round. */
export async function measureAllGets(
  prepared: readonly PreparedStack[],
  step: Step,
  log: (line: string) => void,
) {
  const results = new Map<PreparedStack, StackResult>();
  for (const p of prepared) {
    results.set(p, {
      stack: p.stack.name,
      startupMs: p.server.startupMs,
      gets: [],
      durableRefresh: p.stack.durableRefresh,
    });
  }
  const samples = new Map<string, { load: (LoadResult & { cpu: number | undefined })[]; rss: number }>();
  for (let round = 0; round < PLAN.rounds; round++) {
    for (const p of prepared) {
      for (const getCase of p.getCases) {
        const key = `${p.stack.name}\n${getCase.label}`;
        await step(`${p.stack.name}: GET ${getCase.label}`, async () => {
          const spec = {
            url: `${p.baseUrl}${p.stack.todosPath}`,
            seconds: PLAN.getSeconds,
            connections: PLAN.connections,
            ...(getCase.tokensFile ? { tokensFile: getCase.tokensFile } : {}),
          };
          const { result, peakRssMiB, cpuMicros } = await measureServerGets(
            p.server,
            spec,
            round === 0 ? 2 : 0,
          );
          const entry = samples.get(key) ?? { load: [], rss: 0 };
          entry.load.push({ ...result, cpu: cpuMicros });
          entry.rss = Math.max(entry.rss, peakRssMiB);
          samples.set(key, entry);
          log(
            `round ${round + 1}: ${p.stack.name}: GET ${getCase.label}: ${result.requestsPerSecond.toFixed(0)} req/s`,
          );
        });
      }
    }
  }
  for (const p of prepared) {
    for (const getCase of p.getCases) {
      const entry = samples.get(`${p.stack.name}\n${getCase.label}`);
      if (!entry) continue;
      const { cpu, ...load } = median(entry.load, (l) => l.requestsPerSecond)!;
      results
        .get(p)!
        .gets.push({ label: getCase.label, load, peakRssMiB: entry.rss, cpuMicrosPerRequest: cpu });
    }
  }
  return results;
}

/** Refresh chains (1 client, then 16) on every auth server, with the raw commit rate, in rounds. */
export async function measureAllRefreshes(
  results: Map<PreparedStack, StackResult>,
  rawDir: string,
  step: Step,
  log: (line: string) => void,
): Promise<number> {
  const raw: number[] = [];
  const sequential = new Map<PreparedStack, RefreshResult[]>();
  const concurrent = new Map<PreparedStack, MeteredRefresh[]>();
  const withAuth = [...results.keys()].filter((p) => p.stack.auth && !p.stack.getOnly);
  for (let round = 0; round < PLAN.refreshRounds; round++) {
    await step('raw SQLite commits', async () => {
      raw.push(measureRawCommits(rawDir, PLAN.refreshSeconds).perSecond);
      log(`round ${round + 1}: raw SQLite durable commits: ${raw.at(-1)!.toFixed(0)}/s`);
    });
    for (const p of withAuth) {
      await step(`${p.stack.name}: refresh`, async () => {
        const one = await runRefreshChains(p.baseUrl, p.stack.auth!, p.sessions, 1, PLAN.refreshSeconds);
        // Baton's event loop, its one JavaScript thread, bounds its rate: measured on the deep stack.
        const meter = p.deep ? cpuMeter([p.server.pid]) : undefined;
        const many = await runRefreshChains(
          p.baseUrl,
          p.stack.auth!,
          p.sessions,
          PLAN.concurrentChains,
          PLAN.refreshSeconds,
          meter,
        );
        const loopMicros = meter?.last()?.serverLoop;
        sequential.set(p, [...(sequential.get(p) ?? []), one]);
        concurrent.set(p, [
          ...(concurrent.get(p) ?? []),
          { ...many, ...(loopMicros === undefined ? {} : { loopMicros }) },
        ]);
        log(
          `round ${round + 1}: ${p.stack.name}: refresh ${one.perSecond.toFixed(0)}/s (1), ${many.perSecond.toFixed(0)}/s (16)`,
        );
      });
    }
  }
  for (const p of withAuth) {
    const result = results.get(p)!;
    const one = sequential.get(p);
    const many = concurrent.get(p);
    if (one) result.refreshSequential = median(one, (r) => r.perSecond)!;
    if (many) result.refreshConcurrent = median(many, (r) => r.perSecond)!;
  }
  return median(raw, (r) => r) ?? Number.NaN;
}

/** Login cost and rate on one server, and for a deep one the GET latency during a login storm. */
export async function measureLoginsOf(p: PreparedStack, result: StackResult, log: (line: string) => void) {
  const api = p.stack.auth!;
  result.singleLoginMs = await singleLoginMs(p.baseUrl, api, p.accounts[0]!, 5);
  result.logins = await measureLogins(p.baseUrl, api, p.accounts, PLAN.loginClients, PLAN.loginSeconds);
  log(
    `${p.stack.name}: login ${result.singleLoginMs.toFixed(0)} ms alone, ${result.logins.perSecond.toFixed(1)}/s`,
  );
  if (!p.deep) return;
  const url = `${p.baseUrl}${p.stack.todosPath}`;
  const token = (await api.login(p.baseUrl, p.accounts[0]!)).accessToken;
  // Baton's own loop is read over each probe's run, from when the probe is ready.
  const calm = await probeInOwnProcess(url, token, PLAN.probeRate, PLAN.probeSeconds, () =>
    startLoopWindow(p.baseUrl),
  );
  const quietLoop = await calm.alongside?.end();
  const stormed = await probeInOwnProcess(url, token, PLAN.probeRate, PLAN.probeSeconds, async () => {
    const loop = await startLoopWindow(p.baseUrl);
    const logins = await measureLogins(p.baseUrl, api, p.accounts, PLAN.stormClients, PLAN.probeSeconds);
    return { logins, loop: await loop.end() };
  });
  const { probe: during, alongside } = stormed;
  if (!alongside || !quietLoop) throw new Error('the login storm did not run');
  result.storm = {
    quiet: calm.probe,
    during,
    logins: alongside.logins,
    loop: { quiet: quietLoop, during: alongside.loop },
  };
  log(
    `${p.stack.name}: GET p99 ${calm.probe.p99Ms.toFixed(2)} ms quiet, ${during.p99Ms.toFixed(2)} ms in a login storm; ` +
      `its event loop's delay p99 ${quietLoop.delayP99Ms.toFixed(2)} and ${alongside.loop.delayP99Ms.toFixed(2)} ms`,
  );
}

/** Seconds the probe process takes to start and warm up before it measures (a slow host's, with room). */
const PROBE_START_SECONDS = 5;

/**
 * The storm's reference: the latency probe on a server with no auth (the bare one), quiet and
 * while Baton's number of hashing threads verify argon2 at Baton's nice value in other processes.
 * The ratio is what the hashing alone costs every request on this machine (cores, caches and
 * memory shared with argon2's 19 MiB), apart from anything Baton does for a login.
 */
export async function measureHashingBeside(
  p: Pick<PreparedStack, 'baseUrl'> & { readonly stack: Pick<Stack, 'name' | 'todosPath'> },
  result: StackResult,
  log: (line: string) => void,
  options: { readonly seconds?: number; readonly passwordsModule?: string } = {},
): Promise<void> {
  const seconds = options.seconds ?? PLAN.probeSeconds;
  const url = `${p.baseUrl}${p.stack.todosPath}`;
  // The bare server answers without a token; the probe sends one all the same.
  const token = 'none';
  const quiet = (await probeInOwnProcess(url, token, PLAN.probeRate, seconds)).probe;
  const { result: probed, backdrop } = await hashBeside(
    seconds + PROBE_START_SECONDS,
    () => probeInOwnProcess(url, token, PLAN.probeRate, seconds),
    options.passwordsModule,
  );
  result.hashingBeside = { quiet, during: probed.probe, hashing: backdrop };
  log(
    `${p.stack.name}: GET p99 ${quiet.p99Ms.toFixed(2)} ms quiet, ${probed.probe.p99Ms.toFixed(2)} ms ` +
      `with argon2 in ${backdrop.threads} process(es) beside it`,
  );
}

import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './http.js';
import { type LoginResult, measureLogins, type ProbeResult, probeLatency, singleLoginMs } from './login.js';
import { withPeakRss } from './processes.js';
import { type RefreshResult, runRefreshChains } from './refresh.js';
import { type Account, accountFor, BENCH_WORK, type Stack, type TokenPair } from './stacks.js';
import { signatureSpellings, writeTokens } from './tokens.js';
import { type LoadResult, measureGets } from './wrk.js';

/** Durations and sizes of one run; the defaults keep a whole run within a few minutes. */
export const PLAN = {
  getSeconds: 6,
  connections: 32,
  refreshSeconds: 5,
  concurrentChains: 16,
  loginSeconds: 5,
  loginClients: 4,
  probeRate: 200,
  probeSeconds: 6,
  stormClients: 4,
  distinctUsers: 1000,
} as const;

export interface GetRow {
  readonly label: string;
  readonly load: LoadResult;
  readonly peakRssMiB: number;
}

export interface StackResult {
  readonly stack: string;
  readonly startupMs: number;
  readonly gets: GetRow[];
  readonly refreshSequential?: RefreshResult;
  readonly refreshConcurrent?: RefreshResult;
  readonly durableRefresh: boolean;
  readonly singleLoginMs?: number;
  readonly logins?: LoginResult;
  readonly storm?: {
    readonly quiet: ProbeResult;
    readonly during: ProbeResult;
    readonly logins: LoginResult;
  };
}

export interface StackOptions {
  /** A token for stacks without an auth API (the bare Ed25519 reference). */
  readonly staticToken?: string;
  /** Also measure GETs with many distinct tokens and a login storm (for Baton). */
  readonly deep?: boolean;
  readonly log: (line: string) => void;
}

/** Starts `stack`, runs every scenario that applies to it, and stops it. */
export async function benchStack(stack: Stack, options: StackOptions): Promise<StackResult> {
  const workDir = mkdtempSync(join(BENCH_WORK, 'run-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { log } = options;
  const server = await stack.launch(port, workDir);
  log(`${stack.name}: up in ${server.startupMs.toFixed(0)} ms`);
  try {
    const gets: GetRow[] = [];
    const measure = async (label: string, tokens: readonly string[]) => {
      const tokensFile =
        tokens.length > 0 ? writeTokens(join(workDir, `${gets.length}.tokens`), tokens) : undefined;
      const url = `${baseUrl}${stack.todosPath}`;
      const spec = {
        url,
        seconds: PLAN.getSeconds,
        connections: PLAN.connections,
        ...(tokensFile ? { tokensFile } : {}),
      };
      const { result, peakRssMiB } = await withPeakRss(server, () => measureGets(spec));
      log(
        `${stack.name}: GET ${label}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms`,
      );
      gets.push({ label, load: result, peakRssMiB });
    };
    const api = stack.auth;
    if (!api) {
      await measure(
        options.staticToken ? '1 token' : 'no auth',
        options.staticToken ? [options.staticToken] : [],
      );
      return { stack: stack.name, startupMs: server.startupMs, gets, durableRefresh: false };
    }

    // Account 0 runs the sequential chain, accounts 1..16 the concurrent ones.
    // Sessions of these accounts rotate their refresh tokens; they also log in below.
    const chainAccounts = Array.from({ length: PLAN.concurrentChains + 1 }, (_, i) => accountFor(i));
    const sessions = await registerAll(baseUrl, stack, chainAccounts);
    await measure('1 token', [sessions[0]!.accessToken]);
    if (options.deep) {
      const started = performance.now();
      const more = Array.from({ length: PLAN.distinctUsers - chainAccounts.length }, (_, i) =>
        accountFor(chainAccounts.length + i),
      );
      sessions.push(...(await registerAll(baseUrl, stack, more)));
      log(
        `${stack.name}: registered ${sessions.length} users in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const tokens = sessions.map((pair) => pair.accessToken);
      await measure(`${tokens.length} users' tokens`, tokens);
      await measure(
        `${tokens.length * 16} distinct token strings (cache bypassed)`,
        tokens.flatMap((token) => signatureSpellings(token)),
      );
    }

    const refreshSequential = await runRefreshChains(baseUrl, api, sessions, 1, PLAN.refreshSeconds);
    const refreshConcurrent = await runRefreshChains(
      baseUrl,
      api,
      sessions,
      PLAN.concurrentChains,
      PLAN.refreshSeconds,
    );
    log(
      `${stack.name}: refresh ${refreshSequential.perSecond.toFixed(0)}/s (1 client), ${refreshConcurrent.perSecond.toFixed(0)}/s (${refreshConcurrent.clients} clients) over ${sessions.length} sessions`,
    );
    const loginMs = await singleLoginMs(baseUrl, api, chainAccounts[0]!, 5);
    const logins = await measureLogins(baseUrl, api, chainAccounts, PLAN.loginClients, PLAN.loginSeconds);
    log(
      `${stack.name}: login ${loginMs.toFixed(0)} ms alone, ${logins.perSecond.toFixed(1)}/s with ${PLAN.loginClients} clients`,
    );
    const result: StackResult = {
      stack: stack.name,
      startupMs: server.startupMs,
      gets,
      refreshSequential,
      refreshConcurrent,
      durableRefresh: stack.durableRefresh,
      singleLoginMs: loginMs,
      logins,
    };
    if (!options.deep) return result;
    const token = (await api.login(baseUrl, chainAccounts[0]!)).accessToken;
    const storm = await measureStorm(`${baseUrl}${stack.todosPath}`, token, () =>
      measureLogins(baseUrl, api, chainAccounts, PLAN.stormClients, PLAN.probeSeconds),
    );
    log(
      `${stack.name}: GET p99 ${storm.quiet.p99Ms.toFixed(2)} ms quiet, ${storm.during.p99Ms.toFixed(2)} ms in a login storm`,
    );
    return { ...result, storm };
  } finally {
    await server.stop();
  }
}

/** Probes GET latency at a fixed rate, once alone and once while `storm` logs users in. */
async function measureStorm(url: string, token: string, storm: () => Promise<LoginResult>) {
  await probeLatency(url, token, PLAN.probeRate, 1);
  const quiet = await probeLatency(url, token, PLAN.probeRate, PLAN.probeSeconds);
  const [during, logins] = await Promise.all([
    probeLatency(url, token, PLAN.probeRate, PLAN.probeSeconds),
    storm(),
  ]);
  return { quiet, during, logins };
}

/** Registers `accounts` with 4 clients at a time (password hashing bounds this, not HTTP). */
async function registerAll(
  baseUrl: string,
  stack: Stack,
  accounts: readonly Account[],
): Promise<TokenPair[]> {
  const pairs: TokenPair[] = new Array(accounts.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < accounts.length) {
        const index = next++;
        pairs[index] = await stack.auth!.register(baseUrl, accounts[index]!);
      }
    }),
  );
  return pairs;
}

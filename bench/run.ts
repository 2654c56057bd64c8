/**
 * `npm run bench`: measures Baton against reference servers in one run on this machine and
 * appends the run, with every target's ratio, to bench/RESULTS.md. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBaton, buildReferences } from './lib/build.js';
import { describeShare, startCpuAccount } from './lib/foreignCpu.js';
import { type HashLimit, measureHashLimit } from './lib/hashLimit.js';
import { measurePostgres, type PgSectionResult } from './lib/pgSection.js';
import { type PreparedStack, prepareStack } from './lib/prepare.js';
import { appendRun, renderRun } from './lib/report.js';
import {
  measureAllGets,
  measureAllRefreshes,
  measureHashingBeside,
  measureLoginsOf,
  PLAN,
  type StackResult,
} from './lib/scenarios.js';
import {
  BENCH_WORK,
  bare,
  baton,
  batonSigning,
  django,
  fastifyFloor,
  nestjs,
  REPO_ROOT,
  type Stack,
} from './lib/stacks.js';
import { measureStartups, type Startups } from './lib/startups.js';
import { computeTargets, floorNotes, stormNotes } from './lib/targets.js';
import { ALGORITHMS, mintToken } from './lib/tokens.js';
import { wrkAvailable } from './lib/wrk.js';

const exec = promisify(execFile);
const started = performance.now();
const log = (line: string) =>
  console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const failures: string[] = [];

async function step(what: string, work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : String(error);
    failures.push(`${what}: ${reason}`);
    log(`FAILED ${what}: ${reason}`);
    return false;
  }
}

async function ensureWrk(): Promise<void> {
  if (await wrkAvailable()) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: apt-get install wrk');
  log('installing wrk from Debian');
  await exec('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wrk']).catch(async () => {
    await exec('apt-get', ['update', '-qq']);
    await exec('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wrk']);
  });
}

async function version(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command, args);
    return (stdout || stderr).trim().split('\n')[0] ?? 'unknown';
  } catch (error) {
    const out = typeof error === 'object' && error !== null && 'stdout' in error ? String(error.stdout) : '';
    return out.trim().split('\n')[0] || 'unavailable';
  }
}

async function machineInfo(): Promise<string[]> {
  const cpu = cpus();
  const nest = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules/@nestjs/core/package.json'), 'utf8'),
  ).version;
  const py = await version('/usr/bin/python3', [
    '-c',
    "import django, rest_framework, djoser, gunicorn; from importlib.metadata import version as v; print(f\"Django {django.get_version()}, DRF {rest_framework.VERSION}, simplejwt {v('djangorestframework-simplejwt')}, djoser {v('djoser')}, gunicorn {gunicorn.__version__}\")",
  ]);
  return [
    `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`,
    `software: Node ${process.version}; NestJS ${nest}; ${py}; ${(await version('wrk', ['--version'])).split(' [')[0]}`,
    `load: wrk with 1 thread for GETs (C, event-driven: about one core, the other left to the server); refresh, login and latency-probe clients are node:http keep-alive loops in the harness process`,
  ];
}

async function clientOverhead(): Promise<string | undefined> {
  const script = join(REPO_ROOT, 'packages/client/bench/overhead.ts');
  if (!existsSync(script)) return undefined;
  const { stdout } = await exec(process.execPath, ['--conditions=@baton/source', '--import', 'tsx', script], {
    cwd: REPO_ROOT,
    timeout: 120_000,
  });
  return stdout;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  mkdirSync(BENCH_WORK, { recursive: true });
  if (!(await step('wrk', ensureWrk))) throw new Error('no load generator');
  await step('build the bare, Fastify and NestJS references', buildReferences);
  log('building @baton/server');
  // BENCH_SKIP_BUILD=1 measures the dist already there (to iterate on the harness); the report says so.
  const skipBuild =
    process.env.BENCH_SKIP_BUILD === '1' && existsSync(join(REPO_ROOT, 'packages/server/dist/bundle/cli.js'));
  if (skipBuild)
    failures.push('Baton: not rebuilt (BENCH_SKIP_BUILD=1): measured the existing packages/server/dist');
  const batonBuilt = skipBuild || (await step('Baton', buildBaton));
  const loadBefore = loadavg()[0]!;
  // The 1-minute load average every 5 s of the run: the run's own servers and load generators
  // count in it too (about 2 on 2 cores while wrk runs), so the peak alone does not say "busy".
  const loads: number[] = [loadBefore];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 5000);
  sampler.unref();
  // What the load average cannot tell apart from the run's own load: the CPU other work took.
  const cpuSoFar = startCpuAccount();

  const verifiers = ALGORITHMS.map((alg) => {
    const minted = mintToken(alg);
    return [bare(alg, minted.publicJwk), { staticToken: minted.token }] as [Stack, { staticToken: string }];
  });
  const entries: [Stack, { staticToken?: string; deep?: boolean }][] = [
    [bare(), {}],
    [fastifyFloor, {}],
    ...verifiers,
    [nestjs, {}],
    [django, {}],
    ...(batonBuilt ? [[baton, { deep: true }] as [Stack, { deep: boolean }]] : []),
    // The same GET with every request paying a full signature check (token cache off), per algorithm.
    ...(batonBuilt ? ALGORITHMS.map((alg): [Stack, object] => [batonSigning(alg), {}]) : []),
  ];
  // Every server runs for the whole measurement, so rounds can interleave them.
  const prepared: PreparedStack[] = [];
  for (const [stack, options] of entries) {
    await step(stack.name, async () => {
      const shared = {
        chainAccounts: PLAN.concurrentChains + 1,
        distinctUsers: PLAN.distinctUsers,
        bypassUsers: PLAN.bypassUsers,
        log,
      };
      prepared.push(await prepareStack(stack, { ...shared, ...options }));
    });
  }
  let results = new Map<PreparedStack, StackResult>();
  let rawCommitsPerSecond = Number.NaN;
  let postgres: PgSectionResult | { skipped: string } | undefined;
  let hashLimit: HashLimit | undefined;
  try {
    results = await measureAllGets(prepared, step, log);
    const rawDir = join(BENCH_WORK, 'raw');
    mkdirSync(rawDir, { recursive: true });
    rawCommitsPerSecond = await measureAllRefreshes(results, rawDir, step, log);
    const bareServer = [...results].find(([p]) => p.stack.name === bare().name);
    for (const [p, result] of results) {
      if (p.deep && bareServer) {
        // The reference of Baton's login storm, measured just before it.
        const [bareP, bareResult] = bareServer;
        await step(`${bareP.stack.name}: GET latency beside argon2`, () =>
          measureHashingBeside(bareP, bareResult, log),
        );
      }
      if (p.stack.auth && !p.stack.getOnly) {
        await step(`${p.stack.name}: login`, () => measureLoginsOf(p, result, log));
      }
    }
  } finally {
    await Promise.all(prepared.map((p) => p.server.stop()));
  }
  let batonStartups: Startups | undefined;
  if (batonBuilt) {
    // With every other server stopped: the start of Baton alone, as a deployment starts it.
    await step('Baton: start-up', async () => {
      batonStartups = await measureStartups(baton, PLAN.startups);
      const samples = batonStartups.samplesMs.map((ms) => ms.toFixed(0)).join(', ');
      log(`Baton: start to first 200 in ${batonStartups.medianMs.toFixed(0)} ms (median of ${samples})`);
    });
  }
  await step('argon2 limit', async () => {
    hashLimit = await measureHashLimit(5);
    log(`argon2 limit: ${hashLimit.loginsPerSecond.toFixed(1)} logins/s`);
  });
  if (batonBuilt) {
    await step('PostgreSQL', async () => {
      postgres = await measurePostgres(step, log);
      if ('skipped' in postgres) log(`PostgreSQL skipped: ${postgres.skipped}`);
    });
  }
  const stacks = new Map([...results.values()].map((result) => [result.stack, result]));
  let overhead: string | undefined;
  await step('client overhead', async () => {
    overhead = await clientOverhead();
  });

  const run = {
    stacks,
    rawCommitsPerSecond,
    ...(postgres === undefined ? {} : { postgres }),
    ...(hashLimit === undefined ? {} : { hashLimit }),
    ...(batonStartups === undefined ? {} : { batonStartups }),
  };
  const names = {
    baton: baton.name,
    bare: bare().name,
    floor: fastifyFloor.name,
    nestjs: nestjs.name,
    django: django.name,
    bareVerify: { ES256: bare('ES256').name, EdDSA: bare('EdDSA').name, RS256: bare('RS256').name },
    batonSigning: {
      ES256: batonSigning('ES256').name,
      EdDSA: batonSigning('EdDSA').name,
      RS256: batonSigning('RS256').name,
    },
  };
  const cpu = cpuSoFar();
  const targets = computeTargets(run, names);
  const notes = [...floorNotes(run, names), ...stormNotes(run, names)];
  const section = renderRun({
    ...run,
    notes,
    startedAt,
    machine: [
      ...(await machineInfo()),
      `load average (1 min) of the machine, shared with other work: ${loadBefore.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end, highest ${Math.max(...loads).toFixed(2)} (sampled every 5 s, the run's own processes included)`,
      `CPU time of other work during the run (all but this run's processes, PostgreSQL and Redis): ${describeShare(cpu.foreign, cpu)}; the run's own: ${describeShare(cpu.run, cpu)}`,
    ],
    targets,
    failures,
    ...(overhead !== undefined ? { clientOverhead: overhead } : {}),
    totalSeconds: (performance.now() - started) / 1000,
  });
  appendRun(join(REPO_ROOT, 'bench/RESULTS.md'), section);
  rmSync(BENCH_WORK, { recursive: true, force: true });
  console.log(`\n${section}`);
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});

/**
 * `npm run profile -w @baton/bench`: where a protected GET's time goes. Runs Baton as the bench
 * does (info logging, default settings) under `node --cpu-prof`, loads it with wrk on the cached
 * path (one token) and with the token cache off (`BATON_TOKEN_CACHE=0`, 1,000 users' tokens: a
 * full ES256 check per request), and writes, per path, a summary (docs/perf/<case>.md) and a
 * flame graph (docs/perf/<case>.svg). Needs a built server (`npm run build -w @baton/server`) and
 * wrk.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CpuProfile, flameGraph, summarise } from './lib/cpuProfile.js';
import { freePort } from './lib/http.js';
import { registerAll } from './lib/prepare.js';
import { launch } from './lib/processes.js';
import { accountFor, BENCH_WORK, baton, REPO_ROOT } from './lib/stacks.js';
import { writeTokens } from './lib/tokens.js';
import { measureGets } from './lib/wrk.js';

const OUT = join(REPO_ROOT, 'docs', 'perf');
const CASES = [
  {
    name: 'get-cached',
    title: 'Protected GET, one token (verified-token cache answers)',
    users: 1,
    env: {},
  },
  {
    name: 'get-bypassed',
    title: 'Protected GET, token cache off (a full ES256 check each), 1,000 users',
    users: 1000,
    env: { BATON_TOKEN_CACHE: '0' },
  },
] as const;

mkdirSync(BENCH_WORK, { recursive: true });
mkdirSync(OUT, { recursive: true });
for (const profiled of CASES) {
  const workDir = mkdtempSync(join(BENCH_WORK, 'profile-'));
  const profileDir = join(workDir, 'profile');
  const port = await freePort();
  const server = await launch({
    name: 'Baton',
    command: process.execPath,
    args: [
      '--max-semi-space-size=4',
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      // The unbundled command: the code of the bundled `baton` (dist/bundle/cli.js) in its own
      // files, so the summary can name Baton's modules.
      join(REPO_ROOT, 'packages/server/dist/cli.js'),
      'serve',
    ],
    env: {
      BATON_PORT: String(port),
      BATON_DATA_DIR: workDir,
      BATON_LOG_LEVEL: 'info',
      BATON_ACCESS_TTL: '30m',
      ...profiled.env,
    },
    healthUrl: `http://127.0.0.1:${port}/healthz`,
  });
  const url = `http://127.0.0.1:${port}`;
  const pairs = await registerAll(
    url,
    baton,
    Array.from({ length: profiled.users }, (_, i) => accountFor(i)),
  );
  const tokens = pairs.map((pair) => pair.accessToken);
  const tokensFile = writeTokens(join(workDir, 'tokens'), tokens);
  const load = await measureGets({ url: `${url}/todos`, seconds: 8, connections: 32, tokensFile }, 2);
  await server.stop();
  // The main thread's profile is the largest (the hashing thread writes one too).
  const file = readdirSync(profileDir)
    .map((name) => join(profileDir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) throw new Error('no profile was written');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  writeFileSync(join(OUT, `${profiled.name}.svg`), flameGraph(profile, profiled.title));
  writeFileSync(
    join(OUT, `${profiled.name}.md`),
    `# ${profiled.title}\n\nWritten by \`npm run profile -w @baton/bench\` on ${new Date().toISOString()}: ` +
      `Baton at info level under \`wrk -t1 -c32\` for 8 s after 2 s of warm-up, ` +
      `${load.requestsPerSecond.toFixed(0)} req/s while profiled (the profiler slows it). ` +
      `Flame graph: [${profiled.name}.svg](${profiled.name}.svg). Shares are of all samples; ` +
      "`(idle)` is the event loop waiting, `writev` the socket writes (the kernel's loopback work " +
      'is counted there too).\n\n' +
      `${summarise(profile)}\n`,
  );
  console.log(
    `${profiled.name}: ${load.requestsPerSecond.toFixed(0)} req/s, profile summarised in docs/perf/${profiled.name}.md`,
  );
  rmSync(workDir, { recursive: true, force: true });
}

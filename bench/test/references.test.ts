/**
 * Smoke checks that each reference server answers like the stack it stands for, so a benchmark
 * never measures a server that answers errors fast. No timing here: `npm run bench` measures.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildReferences } from '../lib/build.js';
import { freePort, sendJson } from '../lib/http.js';
import { ServerStartError } from '../lib/processes.js';
import { accountFor, BENCH_WORK, bare, django, fastifyFloor, nestjs, type Stack } from '../lib/stacks.js';
import { ALGORITHMS, mintToken, signatureSpellings } from '../lib/tokens.js';

const stops: (() => Promise<void>)[] = [];

before(async () => {
  mkdirSync(BENCH_WORK, { recursive: true });
  await buildReferences();
});
after(async () => {
  await Promise.all(stops.map((stop) => stop()));
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

const workDirs: string[] = [];

/** Whether Debian's Django stack (djoser, simplejwt, gunicorn) is installed. */
function djangoStackInstalled(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import djoser, rest_framework_simplejwt, gunicorn'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `stack` on a port the system just handed out. Another process can take that port before
 * the server binds it (other suites run beside this one), so a start that finds it taken tries a
 * fresh port, up to three times.
 */
async function start(stack: Stack): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const workDir = mkdtempSync(join(BENCH_WORK, 'test-'));
    workDirs.push(workDir);
    try {
      const server = await stack.launch(port, workDir);
      stops.push(() => server.stop());
      return `http://127.0.0.1:${port}`;
    } catch (error) {
      if (attempt === 3 || !(error instanceof ServerStartError) || !/EADDRINUSE/.test(error.message))
        throw error;
    }
  }
}

const todoTitles = (body: unknown) => (body as { title: string }[]).map((todo) => todo.title);
const SAMPLE = ['Buy milk', 'Write the benchmark', 'Read RFC 9700'];

test('the bare server answers the sample todos without auth', async () => {
  const url = await start(bare());
  const response = await sendJson(`${url}/todos`);
  assert.equal(response.status, 200);
  assert.deepEqual(todoTitles(response.body), SAMPLE);
});

test('the Fastify floor answers the same JSON as the bare server', async () => {
  const [floor, plain] = await Promise.all([start(fastifyFloor), start(bare())]);
  const [fromFloor, fromBare] = await Promise.all([sendJson(`${floor}/todos`), sendJson(`${plain}/todos`)]);
  assert.equal(fromFloor.status, 200);
  assert.deepEqual(fromFloor.body, fromBare.body);
});

for (const alg of ALGORITHMS) {
  test(`the bare ${alg} server accepts a signed token, its spellings, and refuses a forged one`, async () => {
    const { publicJwk, token } = mintToken(alg);
    const url = await start(bare(alg, publicJwk));
    for (const spelling of signatureSpellings(token).slice(0, 3)) {
      const ok = await sendJson(`${url}/todos`, { headers: { authorization: `Bearer ${spelling}` } });
      assert.equal(ok.status, 200);
    }
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(signature.length)}`;
    assert.equal(
      (await sendJson(`${url}/todos`, { headers: { authorization: `Bearer ${forged}` } })).status,
      401,
    );
    assert.equal((await sendJson(`${url}/todos`)).status, 401);
  });
}

/** Register, read todos, rotate, and see the consumed refresh token refused. */
async function checkAuthStack(stack: Stack): Promise<void> {
  const url = await start(stack);
  const api = stack.auth!;
  const account = accountFor(1);
  const first = await api.register(url, account);
  const todos = await sendJson(`${url}${stack.todosPath}`, {
    headers: { authorization: `Bearer ${first.accessToken}` },
  });
  assert.equal(todos.status, 200);
  assert.deepEqual(todoTitles(todos.body), SAMPLE);
  assert.equal((await sendJson(`${url}${stack.todosPath}`)).status, 401);
  const second = await api.refresh(url, first.refreshToken);
  assert.ok(second, 'refresh answers a new pair');
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.equal(await api.refresh(url, first.refreshToken), undefined, 'a consumed refresh token is refused');
  assert.ok(await api.login(url, account));
}

test('the NestJS reference registers, guards todos with passport-jwt and rotates refresh tokens', async () => {
  await checkAuthStack(nestjs);
});

const NO_DJANGO = "python3-djoser, simplejwt or gunicorn (Debian's packages) are not installed";
const djangoMissing = !djangoStackInstalled();
// CI installs them (scripts/ci-install-system.sh): there a missing one fails the run instead of skipping.
if (djangoMissing && process.env.CI === 'true') throw new Error(`${NO_DJANGO}: CI=true requires them`);
if (djangoMissing) console.log(`skipped: ${NO_DJANGO}`);

test('the Django reference registers, guards todos with simplejwt and blacklists rotated tokens', {
  skip: djangoMissing ? NO_DJANGO : false,
}, async () => {
  await checkAuthStack(django);
});

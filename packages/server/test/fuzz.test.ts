/**
 * Property-based fuzzing over real HTTP: hostile bodies, headers and paths on every route, and
 * forged access tokens on every way a token is checked. The properties: never a 5xx, every error
 * is problem+json with a known `code`, nothing leaks a stack trace, and no forgery is accepted.
 *
 * Runs are fixed and seeded (BATON_FUZZ_SEED, BATON_FUZZ_RUNS override them), so a failure
 * replays; the summary line counts what was sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { type AttackerServer, startAttackerServer } from './support/attackerServer.js';
import { forgeries } from './support/forgedTokens.js';
import {
  assertRefused,
  attackerKeyPair,
  randomForgery,
  type TokenCheck,
  tokenChecks,
} from './support/forgeryTargets.js';
import { contentType, headerValue, hostileBody, pathSegment } from './support/fuzzInputs.js';
import { FuzzLedger } from './support/fuzzOracle.js';
import { compactJws, loadServerKey, type ServerSigningKey, signerFor } from './support/jws.js';
import { type RawRequest, sendRaw } from './support/rawHttp.js';
import { createResourceClientWithCli } from './support/resourceClient.js';
import { registerUser, startServer, type TestServer } from './support/server.js';

const SEED = Number(process.env.BATON_FUZZ_SEED ?? 20_261_122);
const RUNS = Number(process.env.BATON_FUZZ_RUNS ?? 200);
const ledger = new FuzzLedger();
console.log(`fuzz: seed ${SEED}, ${RUNS} runs per route property`);
after(() => console.log(ledger.summary()));

interface Route {
  readonly method: string;
  readonly path: string;
  readonly fields: readonly string[];
  /** Whether fuzzing may send the shared live token (not to routes that would end its session). */
  readonly live: boolean;
}

const route = (method: string, path: string, fields: string[] = [], live = true): Route => ({
  method,
  path,
  fields,
  live,
});

const ROUTES: readonly Route[] = [
  route('POST', '/auth/register', ['email', 'password', 'name']),
  route('POST', '/auth/login', ['email', 'password']),
  route('POST', '/auth/refresh', ['refreshToken']),
  route('POST', '/auth/logout', ['refreshToken'], false),
  route('POST', '/auth/logout-all', [], false),
  route('POST', '/auth/password', ['currentPassword', 'newPassword']),
  route('POST', '/oauth/introspect', ['token', 'token_type_hint', 'client_id', 'client_secret']),
  route('POST', '/auth/password/forgot', ['email']),
  route('POST', '/auth/password/reset', ['token', 'newPassword']),
  route('POST', '/auth/email/verify', ['token']),
  route('POST', '/auth/email/resend', ['email']),
  route('POST', '/auth/email/change', ['newEmail', 'password']),
  route('PATCH', '/auth/me', ['name']),
  // Live: fuzzing never guesses the shared user's password, so this is the 403 and 400 paths.
  route('DELETE', '/auth/me', ['password']),
  route('GET', '/auth/me'),
  route('GET', '/auth/sessions'),
  route('DELETE', '/auth/sessions/:id'),
  route('GET', '/todos'),
  route('POST', '/todos', ['title']),
  route('PATCH', '/todos/:id', ['title', 'done']),
  route('DELETE', '/todos/:id'),
  route('GET', '/.well-known/jwks.json'),
  route('GET', '/healthz'),
];

const LIVE = 'live';
const junkAuthorization = fc.constantFrom(
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNz',
  'Bearer a.b.c',
  'bearer  x.y.z',
  'Bearer brt_AAAA',
  `Bearer ${'A'.repeat(5000)}`,
  'Bearer eyJhbGciOiJub25lIn0.e30.',
);

describe('fuzzing every route', () => {
  let server: TestServer;
  let liveToken: string;
  let todoId: string;

  before(async () => {
    // Throttling off: it would turn most of the runs into cheap 429s and hide deeper code paths.
    server = await startServer({ rateLimits: false });
    const user = await registerUser(server);
    liveToken = user.accessToken;
    todoId = (await server.request('POST', '/todos', { token: liveToken, body: { title: 'fuzz' } })).body.id;
  });
  after(() => server.close());

  async function send(label: string, request: RawRequest): Promise<void> {
    const answer = await sendRaw(server.url, request);
    const observed = {
      status: answer.status,
      contentType: answer.headers.get('content-type') ?? '',
      body: answer.body,
    };
    ledger.check(label, observed, request.method, request.target.startsWith('/oauth/'));
  }

  const authorizationFor = (target: Route) =>
    fc.oneof(
      { weight: target.live ? 4 : 0, arbitrary: fc.constant(LIVE) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: junkAuthorization },
    );

  const withParam = (path: string, id: string) => path.replace(':id', id);
  const idFor = (target: Route) =>
    target.path.startsWith('/todos/')
      ? fc.oneof(fc.constant(todoId), fc.uuid(), pathSegment)
      : fc.oneof(fc.uuid(), pathSegment);

  for (const target of ROUTES) {
    it(`${target.method} ${target.path}: hostile bodies, types and content types never reach a 5xx`, async () => {
      const property = fc.asyncProperty(
        hostileBody(target.fields),
        contentType,
        authorizationFor(target),
        idFor(target),
        async (body, type, authorization, id) => {
          const headers: Array<[string, string]> = [];
          if (type !== undefined) headers.push(['content-type', type]);
          if (authorization !== undefined)
            headers.push(['authorization', authorization === LIVE ? `Bearer ${liveToken}` : authorization]);
          const request = { method: target.method, target: withParam(target.path, id), headers, body };
          await send(
            `${target.method} ${request.target} ${JSON.stringify(String(body).slice(0, 200))}`,
            request,
          );
        },
      );
      await fc.assert(property, { numRuns: RUNS, seed: SEED });
    });
  }

  it('odd header bytes, duplicate Authorization and huge headers never reach a 5xx', async () => {
    const name = fc.oneof(
      fc.constantFrom(
        'authorization',
        'content-type',
        'user-agent',
        'accept',
        'origin',
        'cookie',
        'x-forwarded-for',
      ),
      fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/),
    );
    const property = fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      fc.array(fc.tuple(name, headerValue), { maxLength: 4 }),
      fc.boolean(),
      async (target, extra, duplicateAuthorization) => {
        const headers: Array<readonly [string, string | Buffer]> = [['content-type', 'application/json']];
        if (target.live) headers.push(['authorization', `Bearer ${liveToken}`]);
        if (duplicateAuthorization) headers.push(['authorization', 'Bearer forged.token.here']);
        headers.push(...extra);
        const request = {
          method: target.method,
          target: withParam(target.path, todoId),
          headers,
          body: '{}',
        };
        const shown = extra.map(
          ([key, value]) => `${key}: ${JSON.stringify(value.toString('latin1').slice(0, 60))}`,
        );
        await send(`${target.method} ${request.target} [${shown.join('; ')}]`, request);
      },
    );
    await fc.assert(property, { numRuns: RUNS * 2, seed: SEED });
  });

  it('odd path parameters (percent-encoding, .., very long) never reach a 5xx', async () => {
    const withId = ROUTES.filter((target) => target.path.includes(':id'));
    const property = fc.asyncProperty(fc.constantFrom(...withId), pathSegment, async (target, id) => {
      const headers: Array<[string, string]> = [['authorization', `Bearer ${liveToken}`]];
      if (target.method === 'PATCH') headers.push(['content-type', 'application/json']);
      const body = target.method === 'PATCH' ? '{"done":true}' : undefined;
      const request = {
        method: target.method,
        target: withParam(target.path, id),
        headers,
        ...(body ? { body } : {}),
      };
      await send(`${target.method} ${request.target.slice(0, 300)}`, request);
    });
    await fc.assert(property, { numRuns: RUNS * 2, seed: SEED });
  });

  it('unknown routes and methods answer problem+json, never a 5xx', async () => {
    const method = fc.constantFrom(
      'GET',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'HEAD',
      'OPTIONS',
      'TRACE',
      'PROPFIND',
      'get',
      'FOO',
    );
    const path = fc
      .array(pathSegment, { minLength: 1, maxLength: 4 })
      .map((segments) => `/${segments.join('/')}`);
    const property = fc.asyncProperty(method, fc.oneof(path, fc.webPath()), async (verb, target) => {
      await send(`${verb} ${target.slice(0, 300)}`, { method: verb, target: target || '/' });
    });
    await fc.assert(property, { numRuns: RUNS * 2, seed: SEED });
  });

  it('the shared session survived the fuzzing, so authenticated runs reached the handlers', async () => {
    assert.equal((await server.request('GET', '/auth/me', { token: liveToken })).status, 200);
  });
});

for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
  describe(`forged access tokens (${alg})`, () => {
    let server: TestServer;
    let attacker: AttackerServer;
    let serverKey: ServerSigningKey;
    let genuine: string;
    let checks: TokenCheck[];
    const attackerKey = attackerKeyPair();

    before(async () => {
      server = await startServer({ rateLimits: false, accessAlg: alg });
      attacker = await startAttackerServer({
        keys: [{ ...attackerKey.publicJwk, kid: 'attacker', alg: 'EdDSA' }],
      });
      serverKey = await loadServerKey(server.dataDir);
      genuine = (await registerUser(server)).accessToken;
      checks = tokenChecks(server, await createResourceClientWithCli({ BATON_DATA_DIR: server.dataDir }));
    });
    after(async () => {
      await attacker.close();
      await server.close();
    });

    it('accepts the genuine token and one freshly signed with the server key (control)', async () => {
      const claims = decodeJwt(genuine);
      const now = Math.floor(server.clock.now() / 1000);
      const header = { alg, typ: 'at+jwt', kid: serverKey.kid };
      assert.equal(serverKey.alg, alg);
      const resigned = compactJws(
        header,
        { ...claims, iat: now, exp: now + 60, jti: 'control' },
        signerFor(alg, serverKey.privateKey),
      );
      for (const token of [genuine, resigned]) {
        for (const check of checks)
          assert.equal(check.verdict(await check.send(token)).status, 200, check.name);
      }
    });

    it('refuses every forgery of the catalogue on /auth/me, /todos and /oauth/introspect', async () => {
      const catalogue = forgeries({
        serverKey,
        genuine,
        attackerUrl: attacker.url,
        attackerKey,
        now: Math.floor(server.clock.now() / 1000),
      });
      for (const forgery of catalogue) {
        for (const check of checks) await assertRefused(ledger, check, forgery);
      }
      assert.equal(ledger.acceptedForgeries, 0);
      assert.deepEqual(attacker.hits, [], 'no server named by jku or x5u was contacted');
    });

    it('refuses random headers, payloads and signatures (property)', async () => {
      const property = fc.asyncProperty(
        randomForgery(serverKey, genuine, attackerKey.privateKey),
        fc.nat(checks.length - 1),
        async (forgery, index) => assertRefused(ledger, checks[index] ?? checks[0]!, forgery),
      );
      await fc.assert(property, { numRuns: RUNS * 2, seed: SEED });
      assert.equal(ledger.acceptedForgeries, 0);
      assert.deepEqual(attacker.hits, [], 'no server named by jku or x5u was contacted');
    });
  });
}

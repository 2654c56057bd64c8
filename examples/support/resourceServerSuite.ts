/**
 * One suite for every example API, in the shape of the Store conformance suite: each example
 * hands over how to start itself against a Baton, and the suite runs the same checks for each
 * signing algorithm its stock verifier has: a valid token gives 200 and scopes the todos to its
 * user; after `baton keys rotate` a token of the new key gives 200 without a restart; an expired
 * token, a token for another audience and every token of the forgery catalogue that needs no key
 * of ours (or fails a standard check) give 401; a revoked session is refused at once with
 * introspection, and only at expiry without.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import {
  type AttackerServer,
  startAttackerServer,
} from '../../packages/server/test/support/attackerServer.js';
import { type Forgery, forgeries } from '../../packages/server/test/support/forgedTokens.js';
import { attackerKeyPair } from '../../packages/server/test/support/forgeryTargets.js';
import { loadServerKey } from '../../packages/server/test/support/jws.js';
import type { ResourceClient } from '../../packages/server/test/support/resourceClient.js';
import type { ApiProcess } from './apiProcess.js';
import { ALGORITHMS, type Algorithm, startBaton, type TestBaton } from './baton.js';

/** What an example hands the suite. */
export interface ResourceServerUnderTest {
  readonly name: string;
  /** The algorithms its stock verifier has; the others are checked to be refused. */
  readonly algorithms: readonly Algorithm[];
  /** Bytes of `Authorization` the server reads; longer tokens may get any 4xx instead of a 401. */
  readonly headerLimit: number;
  /** Starts the API against `baton`; with `introspection`, in its introspecting mode. */
  start(baton: TestBaton, introspection?: ResourceClient): Promise<ApiProcess>;
  /** Whether it has an introspecting mode. */
  readonly introspects: boolean;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
  readonly body: any;
}

/** Sends a request to an example API, as its clients would. */
export async function call(
  api: ApiProcess,
  method: string,
  route: string,
  options: { readonly token?: string; readonly body?: unknown } = {},
): Promise<Answer> {
  const response = await fetch(`${api.url}${route}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body };
}

/** Asserts the API refused `token` as a person would see it: 401, or a 4xx when it is too big to read. */
async function assertRefused(
  api: ApiProcess,
  token: string,
  label: string,
  headerLimit: number,
): Promise<void> {
  const answer = await call(api, 'GET', '/todos', { token });
  const context = `${label} -> ${answer.status} ${String(JSON.stringify(answer.body)).slice(0, 200)}\n${api.output().slice(-2000)}`;
  assert.ok(answer.status < 500, `5xx: ${context}`);
  assert.notEqual(answer.status, 200, `ACCEPTED FORGERY ${context}`);
  if (token.length + 30 > headerLimit) assert.ok(answer.status >= 400, context);
  else assert.equal(answer.status, 401, context);
}

export function describeResourceServer(subject: ResourceServerUnderTest, skip: string | false): void {
  for (const alg of ALGORITHMS) {
    if (!subject.algorithms.includes(alg)) {
      describe(`${subject.name} with Baton signing ${alg}`, { skip }, () => {
        it(`refuses ${alg} tokens with 401: its stock verifier has no ${alg} (why Baton defaults to ES256)`, async () => {
          const baton = await startBaton(alg);
          const api = await subject.start(baton);
          try {
            const user = await baton.signUp();
            assert.equal((await call(api, 'GET', '/todos', { token: user.accessToken })).status, 401);
          } finally {
            await api.stop();
            await baton.close();
          }
        });
      });
      continue;
    }
    describeAlgorithm(subject, alg, skip);
  }
  if (subject.introspects) describeIntrospection(subject, skip);
}

/** What a describe block runs against, started in its `before` and stopped in its `after`. */
interface RunningStack {
  readonly baton: TestBaton;
  readonly api: ApiProcess;
  readonly attacker: AttackerServer;
  readonly attackerKey: ReturnType<typeof attackerKeyPair>;
}

/**
 * Registers `before`/`after` hooks that start a Baton signing with `alg`, the API against it
 * (introspecting with a fresh client credential if asked) and an attacker's server for the
 * catalogue's `jku`/`x5u` tokens. The members of the returned object exist once `before` ran.
 */
function runningStack(
  subject: ResourceServerUnderTest,
  alg: Algorithm,
  introspection: boolean,
): RunningStack {
  const attackerKey = attackerKeyPair();
  const running: { baton?: TestBaton; api?: ApiProcess; attacker?: AttackerServer } = {};
  before(async () => {
    const baton = await startBaton(alg);
    running.baton = baton;
    running.api = await subject.start(
      baton,
      introspection ? await baton.createClient(subject.name) : undefined,
    );
    running.attacker = await startAttackerServer({
      keys: [{ ...attackerKey.publicJwk, kid: 'attacker', alg: 'EdDSA' }],
    });
  });
  after(async () => {
    await running.api?.stop();
    await running.attacker?.close();
    await running.baton?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the stack is not started yet');
    return value;
  };
  return {
    get baton() {
      return started(running.baton);
    },
    get api() {
      return started(running.api);
    },
    get attacker() {
      return started(running.attacker);
    },
    attackerKey,
  };
}

function describeAlgorithm(subject: ResourceServerUnderTest, alg: Algorithm, skip: string | false): void {
  describe(`${subject.name} with Baton signing ${alg}`, { skip }, () => {
    const s = runningStack(subject, alg, false);

    it('a valid token gives 200, and each user sees and changes only their own todos', async () => {
      const ann = await s.baton.signUp();
      const bob = await s.baton.signUp();
      assert.equal(decodeProtectedHeader(ann.accessToken).alg, alg);
      const created = await call(s.api, 'POST', '/todos', {
        token: ann.accessToken,
        body: { title: 'verify with JWKS' },
      });
      assert.equal(created.status, 201, s.api.output());
      assert.equal(created.body.title, 'verify with JWKS');
      assert.equal(created.body.done, false);
      const mine = await call(s.api, 'GET', '/todos', { token: ann.accessToken });
      assert.equal(mine.status, 200);
      assert.deepEqual(
        mine.body.map((todo: { id: string }) => todo.id),
        [created.body.id],
      );
      assert.deepEqual((await call(s.api, 'GET', '/todos', { token: bob.accessToken })).body, []);
      const path = `/todos/${encodeURIComponent(created.body.id)}`;
      assert.equal(
        (await call(s.api, 'PATCH', path, { token: bob.accessToken, body: { done: true } })).status,
        404,
      );
      assert.equal((await call(s.api, 'DELETE', path, { token: bob.accessToken })).status, 404);
      const done = await call(s.api, 'PATCH', path, { token: ann.accessToken, body: { done: true } });
      assert.equal(done.status, 200);
      assert.equal(done.body.done, true);
      assert.equal((await call(s.api, 'DELETE', path, { token: ann.accessToken })).status, 204);
      assert.deepEqual((await call(s.api, 'GET', '/todos', { token: ann.accessToken })).body, []);
    });

    it('no token gives 401 with WWW-Authenticate: Bearer', async () => {
      const answer = await call(s.api, 'GET', '/todos');
      assert.equal(answer.status, 401);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/);
    });

    it('after baton keys rotate, a token signed by the new key gives 200 without restarting the API', async () => {
      const before = await s.baton.signUp();
      assert.equal((await call(s.api, 'GET', '/todos', { token: before.accessToken })).status, 200);
      const kid = await s.baton.rotateKeys();
      const after = await s.baton.signUp();
      assert.equal(decodeProtectedHeader(after.accessToken).kid, kid);
      assert.equal(
        (await call(s.api, 'GET', '/todos', { token: after.accessToken })).status,
        200,
        s.api.output(),
      );
      assert.equal(
        (await call(s.api, 'GET', '/todos', { token: before.accessToken })).status,
        200,
        'the old key stays published until its tokens expire',
      );
    });

    it('an expired token gives 401', async () => {
      await assertRefused(s.api, await s.baton.expiredToken(), 'expired', subject.headerLimit);
    });

    it('a token for another audience gives 401', async () => {
      await assertRefused(
        s.api,
        await s.baton.tokenForAudience('another-api'),
        'another audience',
        subject.headerLimit,
      );
    });

    it('every forged token of the catalogue, and every one failing a standard check, gives 401', async () => {
      const catalogue = await catalogueFor(s.baton, s.attacker, s.attackerKey);
      const checked = catalogue.filter((forgery) => forgery.kind !== 'profile');
      for (const forgery of checked)
        await assertRefused(s.api, forgery.token, forgery.label, subject.headerLimit);
      assert.ok(checked.length > 100, `${checked.length} forgeries`);
      assert.deepEqual(s.attacker.hits, [], 'no server named by jku or x5u was contacted');
    });

    it("a revoked session's token keeps working until it expires: stateless verification (the trade-off)", async () => {
      const user = await s.baton.signUp();
      await s.baton.logout(user.refreshToken);
      assert.equal((await call(s.api, 'GET', '/todos', { token: user.accessToken })).status, 200);
    });

    // Last: it leaves a key of another type in the JWKS, as a move between algorithms does.
    it('while a move between algorithms publishes a key of another type, a token naming it with this algorithm gives 401', async () => {
      const other: Algorithm = alg === 'RS256' ? 'ES256' : 'RS256';
      const otherKid = await s.baton.rotateKeys(other);
      await s.baton.rotateKeys(alg);
      const genuine = await s.baton.signUp();
      assert.equal((await call(s.api, 'GET', '/todos', { token: genuine.accessToken })).status, 200);
      const [, payload] = genuine.accessToken.split('.');
      const header = Buffer.from(JSON.stringify({ alg, kid: otherKid, typ: 'at+jwt' })).toString('base64url');
      const signature = Buffer.alloc(alg === 'RS256' ? 256 : 64, 7).toString('base64url');
      await assertRefused(
        s.api,
        `${header}.${payload}.${signature}`,
        'a key of another type',
        subject.headerLimit,
      );
    });
  });
}

function describeIntrospection(subject: ResourceServerUnderTest, skip: string | false): void {
  describe(`${subject.name} with introspection (RFC 7662)`, { skip }, () => {
    const s = runningStack(subject, 'ES256', true);

    it('a live token gives 200; once its session is revoked, 401 at once', async () => {
      const user = await s.baton.signUp();
      assert.equal(
        (await call(s.api, 'GET', '/todos', { token: user.accessToken })).status,
        200,
        s.api.output(),
      );
      await s.baton.logout(user.refreshToken);
      await assertRefused(s.api, user.accessToken, 'revoked session', subject.headerLimit);
    });

    it("every token of the catalogue gives 401, those signed with Baton's own key included", async () => {
      const catalogue = await catalogueFor(s.baton, s.attacker, s.attackerKey);
      for (const forgery of catalogue)
        await assertRefused(s.api, forgery.token, forgery.label, subject.headerLimit);
      assert.ok(catalogue.some((forgery) => forgery.kind === 'profile'));
    });
  });
}

async function catalogueFor(
  baton: TestBaton,
  attacker: AttackerServer,
  attackerKey: ReturnType<typeof attackerKeyPair>,
): Promise<Forgery[]> {
  return forgeries({
    serverKey: await loadServerKey(baton.dataDir),
    genuine: (await baton.signUp()).accessToken,
    attackerUrl: attacker.url,
    attackerKey,
    now: Math.floor(Date.now() / 1000),
  });
}

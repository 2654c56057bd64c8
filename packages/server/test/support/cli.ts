import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, type TestServer } from './server.js';
import { BATON, SERVER_PACKAGE } from './serverProcess.js';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `baton ...args` as a child process with `env` (and only the BATON_* variables given). */
export function baton(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  const [command, ...prefix] = BATON;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('BATON_')),
  );
  const child = spawn(command, [...prefix, ...args], {
    cwd: SERVER_PACKAGE,
    env: { ...inherited, BATON_LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * The administration flow an operator goes through, against one store: create a user, see it,
 * sign them out everywhere, disable them, rotate the keys. `env` selects the store.
 */
export function describeAdministration(
  label: string,
  setup: () => Promise<{
    env: Record<string, string>;
    server: () => Promise<TestServer>;
    done(): Promise<void>;
  }>,
) {
  // About 35 `baton` processes one after the other, each a Node start: on a loaded 2-core
  // machine that outgrows the per-test limit of `npm test`, so the suite has a budget of its own.
  describe(`baton administration on ${label}`, { timeout: 600_000 }, () => {
    let env: Record<string, string>;
    let server: TestServer;
    let done: () => Promise<void>;
    const email = `ops.${process.pid}@example.com`;

    before(async () => {
      const context = await setup();
      env = context.env;
      done = context.done;
      const migrated = await baton(['migrate'], env);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /schema is at version \d+/);
      server = await context.server();
    });
    after(async () => {
      await server?.stop();
      await done?.();
    });

    it('creates a user from a password on standard input, and refuses duplicates and weak passwords', async () => {
      const created = await baton(
        ['users', 'create', '--email', email, '--name', 'Ops', '--password-stdin'],
        env,
        `${GOOD_PASSWORD}\n`,
      );
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /created user/);
      const again = await baton(
        ['users', 'create', '--email', email, '--password-stdin'],
        env,
        GOOD_PASSWORD,
      );
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists/);
      const weak = await baton(
        ['users', 'create', '--email', `weak.${email}`, '--password-stdin'],
        env,
        'password',
      );
      assert.equal(weak.code, 2);
      const listed = await baton(['users', 'list', '--json'], env);
      const users = JSON.parse(listed.stdout) as Array<{ email: string; name: string; disabled: boolean }>;
      assert.deepEqual(
        users.filter((user) => user.email === email).map(({ name, disabled }) => ({ name, disabled })),
        [{ name: 'Ops', disabled: false }],
      );
    });

    it('revokes every session of a user, and disabling a user stops their logins', async () => {
      const login = await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD } });
      assert.equal(login.status, 200);
      const revoked = await baton(['sessions', 'revoke', '--user', email], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /ended 1 session/);
      const refresh = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: login.body.refreshToken },
      });
      assert.equal(refresh.status, 401);
      assert.equal(refresh.body.code, 'session_revoked');

      assert.equal((await baton(['users', 'disable', '--email', email], env)).code, 0);
      const refused = await server.request('POST', '/auth/login', {
        body: { email, password: GOOD_PASSWORD },
      });
      assert.equal(refused.status, 401);
      assert.equal((await baton(['users', 'enable', '--email', email], env)).code, 0);
      const back = await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD } });
      assert.equal(back.status, 200);
      const unknown = await baton(['sessions', 'revoke', '--user', 'nobody@example.com'], env);
      assert.equal(unknown.code, 2);
    });

    it('registers, lists and deletes resource clients, whose credential introspects until deleted', async () => {
      const created = await baton(['clients', 'create', '--name', 'orders-api', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const client = JSON.parse(created.stdout) as { clientId: string; clientSecret: string };
      assert.match(client.clientSecret, /^brs_[A-Za-z0-9_-]{43}$/, '256 random bits');
      const listed = JSON.parse((await baton(['clients', 'list', '--json'], env)).stdout) as Array<{
        id: string;
      }>;
      assert.ok(listed.some((entry) => entry.id === client.clientId));
      const introspect = () =>
        server.request('POST', '/oauth/introspect', {
          body: { token: 'x', client_id: client.clientId, client_secret: client.clientSecret },
        });
      assert.deepEqual((await introspect()).body, { active: false });
      assert.equal((await baton(['clients', 'delete', '--id', client.clientId], env)).code, 0);
      assert.equal((await introspect()).status, 401);
    });

    it('rotates the signing key to another algorithm with --alg, and refuses an unknown one', async () => {
      const rotated = await baton(['keys', 'rotate', '--alg', 'RS256', '--json'], env);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.equal((JSON.parse(rotated.stdout) as { alg: string }).alg, 'RS256');
      const bad = await baton(['keys', 'rotate', '--alg', 'HS256'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--alg expects one of ES256, EdDSA, RS256/);
      const listed = JSON.parse((await baton(['keys', 'list', '--json'], env)).stdout) as Array<{
        alg: string;
      }>;
      assert.equal(listed[0]?.alg, 'RS256', 'keys list does not rotate back to the configured algorithm');
    });

    it('sets a password from standard input (every session ends) and marks an address verified', async () => {
      const login = await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD } });
      assert.equal(login.status, 200);
      assert.equal(login.body.user.emailVerified, false);
      const weak = await baton(
        ['users', 'set-password', '--email', email, '--password-stdin'],
        env,
        'password',
      );
      assert.equal(weak.code, 2);
      const set = await baton(
        ['users', 'set-password', '--email', email, '--password-stdin'],
        env,
        'an operator chose this one\n',
      );
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /ended [1-9]\d* session/);
      const refresh = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: login.body.refreshToken },
      });
      assert.equal(refresh.status, 401);
      const verified = await baton(['users', 'verify-email', '--email', email], env);
      assert.equal(verified.code, 0, verified.stderr);
      const again = await server.request('POST', '/auth/login', {
        body: { email, password: 'an operator chose this one' },
      });
      assert.equal(again.status, 200);
      assert.equal(again.body.user.emailVerified, true);
      const named = await baton(
        [
          'users',
          'create',
          '--email',
          `named.${email}`,
          '--name',
          'Eve\r\nBcc: x@example.com',
          '--password-stdin',
        ],
        env,
        GOOD_PASSWORD,
      );
      assert.equal(named.code, 2, 'a name with CR/LF is refused here as by the API');
    });

    it('lists the mail queue and retries a message given up on, which the server then delivers', async () => {
      const { store } = server.app.baton;
      const [user] = (await store.listUsers({ limit: 10_000 })).filter((each) => each.email === email);
      assert.ok(user);
      // Far in the future, so the server's own delivery loop leaves it alone until the retry.
      const later = Date.now() + 365 * 86_400_000;
      const id = randomUUID();
      await store.enqueueMail({
        id,
        userId: user.id,
        kind: 'password_reset',
        recipient: email,
        params: { name: '', link: 'http://127.0.0.1:3000/reset-password?token=brp_operator' },
        createdAt: later,
      });
      await store.claimDueMail({ now: later, leaseUntil: later + 1, owner: 'test', limit: 10 });
      await store.markMailUnsent(id, 'test', { error: '550 no such mailbox', failedAt: later });
      const failed = await baton(['mail', 'list', '--status', 'failed', '--json'], env);
      assert.equal(failed.code, 0, failed.stderr);
      const listed = JSON.parse(failed.stdout) as Array<{ id: string; lastError: string; kind: string }>;
      assert.deepEqual(
        listed.filter((mail) => mail.id === id).map(({ kind, lastError }) => ({ kind, lastError })),
        [{ kind: 'password_reset', lastError: '550 no such mailbox' }],
      );
      assert.doesNotMatch(failed.stdout, /brp_/, 'links are never shown');
      assert.equal((await baton(['mail', 'retry', '--id', randomUUID()], env)).code, 2);
      assert.equal((await baton(['mail', 'list', '--status', 'lost'], env)).code, 2);
      const retried = await baton(['mail', 'retry', '--id', id], env);
      assert.equal(retried.code, 0, retried.stderr);
      assert.match(retried.stdout, /1 message\(s\) due now/);
      server.clock.set(Date.now() + 60_000);
      await server.app.baton.mail.deliverDue();
      const sent = JSON.parse(
        (await baton(['mail', 'list', '--status', 'sent', '--json'], env)).stdout,
      ) as Array<{
        id: string;
      }>;
      assert.ok(sent.some((mail) => mail.id === id));
      const table = await baton(['mail', 'list'], env);
      assert.match(table.stdout, new RegExp(`${id}  sent`));
    });

    it('deletes a user only with --yes, and everything of it goes', async () => {
      const doomed = `doomed.${email}`;
      const created = await baton(
        ['users', 'create', '--email', doomed, '--password-stdin'],
        env,
        GOOD_PASSWORD,
      );
      assert.equal(created.code, 0, created.stderr);
      const unconfirmed = await baton(['users', 'delete', '--email', doomed], env);
      assert.equal(unconfirmed.code, 2);
      assert.match(unconfirmed.stderr, /--yes/);
      const deleted = await baton(['users', 'delete', '--email', doomed, '--yes'], env);
      assert.equal(deleted.code, 0, deleted.stderr);
      const login = await server.request('POST', '/auth/login', {
        body: { email: doomed, password: GOOD_PASSWORD },
      });
      assert.equal(login.status, 401);
      const users = JSON.parse((await baton(['users', 'list', '--json'], env)).stdout) as Array<{
        email: string;
      }>;
      assert.ok(!users.some((user) => user.email === doomed));
      const audit = await baton(['audit', '--kind', 'account_deleted', '--json'], env);
      assert.equal(audit.code, 0, audit.stderr);
      assert.ok(!audit.stdout.includes(doomed), 'the audit record holds no email');
      assert.match(audit.stdout, /account_deleted/);
    });

    it('rotates the signing key and keeps the old one published', async () => {
      const before = JSON.parse((await baton(['keys', 'list', '--json'], env)).stdout) as Array<{
        kid: string;
        retiredAt: number | null;
      }>;
      const active = before.find((key) => key.retiredAt === null);
      assert.ok(active);
      const rotated = await baton(['keys', 'rotate', '--json'], env);
      assert.equal(rotated.code, 0, rotated.stderr);
      const { kid } = JSON.parse(rotated.stdout) as { kid: string };
      assert.notEqual(kid, active.kid);
      const after = JSON.parse((await baton(['keys', 'list', '--json'], env)).stdout) as Array<{
        kid: string;
        retiredAt: number | null;
        published: boolean;
      }>;
      assert.equal(after[0]?.kid, kid);
      assert.equal(after[0]?.retiredAt, null);
      const old = after.find((key) => key.kid === active.kid);
      assert.ok(old?.retiredAt !== null && old?.published, 'the old key is retired but still published');
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashingLoad } from '../src/auth/passwords.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { from, onlyLimits } from './support/throttle.js';

/** How many password hashes the server has run (its own metric). */
async function hashesRun(server: TestServer): Promise<number> {
  const text = (await server.request('GET', '/metrics')).body as string;
  return Number(/^baton_password_hash_seconds_count (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

const statusesOf = (responses: readonly { status: number }[]) => responses.map((response) => response.status);
const admitted = (statuses: readonly number[]) => statuses.filter((status) => status !== 429).length;

/** Runs `test` against a fresh server with the default limits, trusting one proxy (so tests pick addresses). */
async function withServer(test: (server: TestServer) => Promise<void>) {
  const server = await startServer({ trustProxy: 1 });
  try {
    await test(server);
  } finally {
    await server.close();
  }
}

const login = (server: TestServer, email: string, password: string, ip: string, deviceToken?: string) =>
  server.request('POST', '/auth/login', {
    body: deviceToken === undefined ? { email, password } : { email, password, deviceToken },
    headers: from(ip),
  });

/**
 * Limits hold for requests sent all at once exactly as for the same requests one after the other:
 * each attempt is reserved before its password hash, atomically, and handed back only on success.
 * Every test here fires real parallel requests at a real server with the default limits.
 */
describe('limits under bursts of parallel requests', () => {
  it('200 wrong passwords on one account from one address at once get exactly as many answers as 200 in a row', () =>
    withServer(async (server) => {
      const inRow = await registerUser(server);
      const sequence: number[] = [];
      for (let n = 0; n < 200; n++)
        sequence.push((await login(server, inRow.email, `guess ${n}`, '10.10.0.1')).status);
      const atOnce = await registerUser(server);
      const burst = statusesOf(
        await Promise.all(
          Array.from({ length: 200 }, (_, n) => login(server, atOnce.email, `guess ${n}`, '10.10.0.2')),
        ),
      );
      // 5 free failures and the one that locks: the account-wide limit for unknown clients.
      assert.equal(admitted(sequence), 6);
      assert.equal(admitted(burst), admitted(sequence), 'a burst guesses no more often than a sequence');
      assert.ok(burst.every((status) => status === 401 || status === 429));
      assert.equal(
        (await login(server, atOnce.email, GOOD_PASSWORD, '10.10.0.2')).status,
        429,
        'and the account is locked',
      );
    }));

  it('the right password hidden in a burst of wrong ones is checked only if its attempt was among those admitted', () =>
    withServer(async (server) => {
      const { email } = await registerUser(server);
      const passwords = [...Array.from({ length: 199 }, (_, n) => `guess ${n}`), GOOD_PASSWORD];
      const statuses = statusesOf(
        await Promise.all(passwords.map((password) => login(server, email, password, '10.11.0.1'))),
      );
      assert.ok(admitted(statuses) <= 6, `${admitted(statuses)} attempts were checked`);
      const failures = await server.app.baton.store.listAudit({ kind: 'login_failed', limit: 1000 });
      assert.ok(failures.length <= 6, 'no more than 6 passwords were tried');
    }));

  it('30 wrong current passwords at once on a stolen access token (limit 5): five 403s, no takeover', () =>
    withServer(async (server) => {
      const { accessToken } = await registerUser(server);
      const change = (currentPassword: string) =>
        server.request('POST', '/auth/password', {
          token: accessToken,
          body: { currentPassword, newPassword: 'the attacker now owns it' },
        });
      const statuses = statusesOf(
        await Promise.all(Array.from({ length: 30 }, (_, n) => change(`guess ${n}`))),
      );
      assert.equal(statuses.filter((status) => status === 403).length, 5);
      assert.equal(statuses.filter((status) => status === 429).length, 25);
      assert.equal((await change(GOOD_PASSWORD)).status, 429, 'the budget is spent for the window');
    }));

  it('200 logins at once from one address: at most 100 hashed (the per-address cap), at most 4 hashing at a time, and a user elsewhere still signs in', () =>
    withServer(async (server) => {
      const owner = await registerUser(server);
      const before = await hashesRun(server);
      let peak = 0;
      let sampling = true;
      const sample = () => {
        const { active, waiting } = hashingLoad();
        peak = Math.max(peak, active + waiting);
        if (sampling) setImmediate(sample);
      };
      sample();
      const burst = Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          login(server, uniqueEmail(`bogus${n}`), 'Summer2024!', '10.12.0.1'),
        ),
      );
      const ownLogin = await login(server, owner.email, GOOD_PASSWORD, '10.12.0.2');
      const statuses = statusesOf(await burst);
      sampling = false;
      assert.equal(ownLogin.status, 200);
      assert.ok(statuses.every((status) => status === 401 || status === 429));
      assert.ok(admitted(statuses) <= 100, `${admitted(statuses)} of the burst were hashed`);
      assert.ok(
        (await hashesRun(server)) - before <= 101,
        'the hashes the server ran (the burst and the owner)',
      );
      // The owner's own hash may be in flight beside the burst's four.
      assert.ok(peak <= 5, `${peak} hashes were running or waiting at once`);
    }));

  it('200 bogus refreshes at once from one address: 60 answered 401 (the limit), the rest 429', () =>
    withServer(async (server) => {
      const statuses = statusesOf(
        await Promise.all(
          Array.from({ length: 200 }, (_, n) =>
            server.request('POST', '/auth/refresh', {
              body: { refreshToken: `brt_${String(n).padStart(43, 'A')}` },
              headers: from('10.13.0.1'),
            }),
          ),
        ),
      );
      assert.equal(statuses.filter((status) => status === 401).length, 60);
      assert.equal(statuses.filter((status) => status === 429).length, 140);
    }));
});

describe('the per-user refresh limit under a burst', () => {
  it('one token refreshed 200 times at once by its own client (limit 5): five answered 200, the rest 429', async () => {
    const server = await startServer({
      trustProxy: 1,
      rateLimits: onlyLimits({ refreshUser: { max: 5, windowSeconds: 60 } }),
    });
    try {
      const { refreshToken } = await registerUser(server);
      const responses = await Promise.all(
        Array.from({ length: 200 }, () =>
          server.request('POST', '/auth/refresh', { body: { refreshToken }, headers: from('10.14.0.1') }),
        ),
      );
      const statuses = statusesOf(responses);
      assert.equal(statuses.filter((status) => status === 200).length, 5, statuses.join(' '));
      assert.equal(statuses.filter((status) => status === 429).length, 195);
      // The first rotated; the others replayed it in the grace window: one successor for all.
      const successors = new Set(responses.filter((r) => r.status === 200).map((r) => r.body.refreshToken));
      assert.equal(successors.size, 1);
    } finally {
      await server.close();
    }
  });
});

describe('devices that signed in before keep their own budget (no lockout of the owner)', () => {
  /** Locks `email` for unknown clients with a burst of wrong passwords from many addresses. */
  const attack = (server: TestServer, email: string) =>
    Promise.all(Array.from({ length: 100 }, (_, n) => login(server, email, `guess ${n}`, `10.20.${n}.1`)));

  it('sign-in answers carry a device token, and a known device keeps its token', () =>
    withServer(async (server) => {
      const registered = await registerUser(server);
      const { deviceToken } = registered as unknown as { deviceToken: string };
      assert.match(deviceToken, /^bdt_[A-Za-z0-9_-]{43}$/);
      const again = await login(server, registered.email, GOOD_PASSWORD, '10.21.0.1', deviceToken);
      assert.equal(again.body.deviceToken, deviceToken);
      const elsewhere = await login(server, registered.email, GOOD_PASSWORD, '10.21.0.2');
      assert.notEqual(elsewhere.body.deviceToken, deviceToken, 'a new client gets a token of its own');
    }));

  it('a burst that locks the account for unknown clients leaves the owner signing in from a known device, during and after it', () =>
    withServer(async (server) => {
      const registered = await registerUser(server);
      const { deviceToken } = registered as unknown as { deviceToken: string };
      const [attempts, during] = await Promise.all([
        attack(server, registered.email),
        login(server, registered.email, GOOD_PASSWORD, '10.22.0.1', deviceToken),
      ]);
      assert.ok(statusesOf(attempts).includes(429), 'the attack locked the account for unknown clients');
      assert.equal(during.status, 200);
      assert.equal(
        (await login(server, registered.email, GOOD_PASSWORD, '10.22.0.2', deviceToken)).status,
        200,
      );
      assert.equal(
        (await login(server, registered.email, GOOD_PASSWORD, '10.22.0.3')).status,
        429,
        'an unknown client waits out the back-off, whoever it is',
      );
    }));

  it("a device token is bound to its account: another account's, or a forged one, counts as an unknown client", () =>
    withServer(async (server) => {
      const mine = await registerUser(server);
      const victim = await registerUser(server);
      await attack(server, victim.email);
      const { deviceToken } = mine as unknown as { deviceToken: string };
      assert.equal((await login(server, victim.email, GOOD_PASSWORD, '10.23.0.1', deviceToken)).status, 429);
      const forged = `bdt_${'A'.repeat(43)}`;
      assert.equal((await login(server, victim.email, GOOD_PASSWORD, '10.23.0.1', forged)).status, 429);
    }));

  it('a known device that guesses wrong 10 times is limited itself, and the owner’s other devices are not', () =>
    withServer(async (server) => {
      const registered = await registerUser(server);
      const stolen = (registered as unknown as { deviceToken: string }).deviceToken;
      const other = (await login(server, registered.email, GOOD_PASSWORD, '10.24.0.9')).body
        .deviceToken as string;
      const guesses = statusesOf(
        await Promise.all(
          Array.from({ length: 30 }, (_, n) =>
            login(server, registered.email, `guess ${n}`, '10.24.0.1', stolen),
          ),
        ),
      );
      assert.equal(admitted(guesses), 10);
      assert.equal((await login(server, registered.email, GOOD_PASSWORD, '10.24.0.1', stolen)).status, 429);
      assert.equal((await login(server, registered.email, GOOD_PASSWORD, '10.24.0.9', other)).status, 200);
    }));
});

describe('account mail and one-time links under bursts', () => {
  it('30 wrong passwords at once over email change, deletion and password change share one budget: five 403s', () =>
    withServer(async (server) => {
      const { accessToken, email } = await registerUser(server);
      const guesses = Array.from({ length: 30 }, (_, n) => {
        const password = `guess ${n}`;
        if (n % 3 === 0)
          return server.request('POST', '/auth/email/change', {
            token: accessToken,
            body: { newEmail: uniqueEmail('takeover'), password },
          });
        if (n % 3 === 1)
          return server.request('DELETE', '/auth/me', { token: accessToken, body: { password } });
        return server.request('POST', '/auth/password', {
          token: accessToken,
          body: { currentPassword: password, newPassword: 'the attacker now owns it' },
        });
      });
      const statuses = statusesOf(await Promise.all(guesses));
      assert.equal(statuses.filter((status) => status === 403).length, 5);
      assert.equal(statuses.filter((status) => status === 429).length, 25);
      const me = await server.request('GET', '/auth/me', { token: accessToken });
      assert.equal(me.body.email, email, 'the account is still its owner’s');
    }));

  it('30 email changes at once with the right password: three mails to new addresses, the rest 429', () =>
    withServer(async (server) => {
      const { accessToken } = await registerUser(server);
      const statuses = statusesOf(
        await Promise.all(
          Array.from({ length: 30 }, () =>
            server.request('POST', '/auth/email/change', {
              token: accessToken,
              body: { newEmail: uniqueEmail('flood'), password: GOOD_PASSWORD },
            }),
          ),
        ),
      );
      assert.equal(statuses.filter((status) => status === 202).length, 3);
      assert.equal(statuses.filter((status) => status === 429).length, 27);
    }));

  it('200 made-up email links at once from one address: 30 looked up (the limit), the rest 429', () =>
    withServer(async (server) => {
      const statuses = statusesOf(
        await Promise.all(
          Array.from({ length: 200 }, (_, n) =>
            server.request('POST', '/auth/email/verify', {
              body: { token: `bev_${String(n).padStart(43, 'A')}` },
              headers: from('10.25.0.1'),
            }),
          ),
        ),
      );
      assert.equal(statuses.filter((status) => status === 400).length, 30);
      assert.equal(statuses.filter((status) => status === 429).length, 170);
    }));
});

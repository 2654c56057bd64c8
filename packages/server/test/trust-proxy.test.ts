import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServer, type TestServer } from './support/server.js';
import { onlyLimits } from './support/throttle.js';

/** The address a server recorded for the newest session of an access token's user. */
async function recordedIp(server: TestServer, accessToken: string): Promise<string | null> {
  const sessions = await server.request('GET', '/auth/sessions', { token: accessToken });
  return sessions.body[0].ip;
}

const registerVia = (server: TestServer, forwardedFor: string) =>
  server
    .request('POST', '/auth/register', {
      body: { email: `proxy.${Math.random()}@example.com`, password: 'correct horse battery staple' },
      headers: { 'x-forwarded-for': forwardedFor },
    })
    .then((response) => response.body as { accessToken: string });

describe('client addresses behind proxies (BATON_TRUST_PROXY)', () => {
  it('with one trusted proxy, the address that proxy saw counts, not the one the client wrote to its left', async () => {
    const server = await startServer({ trustProxy: 1 });
    try {
      const { accessToken } = await registerVia(server, '6.6.6.6, 10.9.8.7');
      assert.equal(await recordedIp(server, accessToken), '10.9.8.7');
    } finally {
      await server.close();
    }
  });

  it('a client cannot reset its per-address budget by writing X-Forwarded-For', async () => {
    const server = await startServer({
      trustProxy: 1,
      rateLimits: onlyLimits({ loginIp: { max: 3, windowSeconds: 60 } }),
    });
    try {
      const statuses: number[] = [];
      for (let n = 0; n < 6; n++) {
        const response = await server.request('POST', '/auth/login', {
          body: { email: `nobody${n}@example.com`, password: 'wrong password!' },
          headers: { 'x-forwarded-for': `203.0.113.${n}, 10.9.8.7` },
        });
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
    } finally {
      await server.close();
    }
  });

  it('an IPv6 client is limited per /64, the block it can pick addresses from', async () => {
    const server = await startServer({
      trustProxy: 1,
      rateLimits: onlyLimits({ loginIp: { max: 2, windowSeconds: 60 } }),
    });
    try {
      const statuses: number[] = [];
      for (const address of [
        '2001:db8:1:2::1',
        '2001:db8:1:2:ffff::9',
        '2001:db8:1:2::abcd',
        '2001:db8:1:3::1',
      ]) {
        const response = await server.request('POST', '/auth/login', {
          body: { email: 'nobody@example.com', password: 'wrong password!' },
          headers: { 'x-forwarded-for': address },
        });
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [401, 401, 429, 401], 'the fourth is another /64');
    } finally {
      await server.close();
    }
  });

  it('a forwarded "address" that is not an IP is never recorded: the peer address is used instead', async () => {
    const server = await startServer({ trustProxy: 1 });
    try {
      const { accessToken } = await registerVia(server, '<img src=x onerror=alert(1)>');
      assert.equal(await recordedIp(server, accessToken), '127.0.0.1');
      const events = await server.app.baton.store.listAudit({ kind: 'user_registered', limit: 1 });
      assert.equal(events[0]?.ip, '127.0.0.1');
    } finally {
      await server.close();
    }
  });

  it('without trusted proxies (the default), X-Forwarded-For is ignored', async () => {
    const server = await startServer();
    try {
      const { accessToken } = await registerVia(server, '10.9.8.7');
      assert.equal(await recordedIp(server, accessToken), '127.0.0.1');
    } finally {
      await server.close();
    }
  });

  it('trusted proxies named by address: their X-Forwarded-For is believed, and only theirs', async () => {
    const believed = await startServer({ trustProxy: ['127.0.0.1/32'] });
    const other = await startServer({ trustProxy: ['10.0.0.0/8'] });
    try {
      assert.equal(
        await recordedIp(believed, (await registerVia(believed, '10.9.8.7')).accessToken),
        '10.9.8.7',
      );
      assert.equal(await recordedIp(other, (await registerVia(other, '10.9.8.7')).accessToken), '127.0.0.1');
    } finally {
      await Promise.all([believed.close(), other.close()]);
    }
  });
});

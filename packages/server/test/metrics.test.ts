import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';
import { freePort, startServerProcess } from './support/serverProcess.js';

/** The value of one series in Prometheus text, e.g. `baton_logins_total{outcome="ok"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const scrape = async () => {
    const response = await fetch(new URL('/metrics', server.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('counts logins, refreshes, reuse, sessions, hash time and requests by route pattern', async () => {
    const user = await registerUser(server);
    await server.request('POST', '/auth/login', { body: { email: user.email, password: GOOD_PASSWORD } });
    await server.request('POST', '/auth/login', {
      body: { email: user.email, password: 'not the password' },
    });
    const refreshed = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    assert.equal(refreshed.status, 200);
    const todo = await server.request('POST', '/todos', {
      token: user.accessToken,
      body: { title: 'count me' },
    });
    await server.request('PATCH', `/todos/${todo.body.id}`, {
      token: user.accessToken,
      body: { done: true },
    });
    server.clock.advance(60_000);
    const reused = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    assert.equal(reused.body.code, 'refresh_token_reused');

    const text = await scrape();
    assert.equal(sample(text, 'baton_logins_total{outcome="ok"}'), 1);
    assert.equal(sample(text, 'baton_logins_total{outcome="failed"}'), 1);
    assert.equal(sample(text, 'baton_refreshes_total{outcome="rotated"}'), 1);
    assert.equal(sample(text, 'baton_refreshes_total{outcome="reuse"}'), 1);
    assert.equal(sample(text, 'baton_refresh_reuse_detected_total'), 1);
    // Register and login sessions; the refreshed one was revoked by the reuse.
    assert.equal(sample(text, 'baton_active_sessions'), 1);
    assert.ok((sample(text, 'baton_password_hash_seconds_count') ?? 0) >= 3, 'register + two logins hashed');
    assert.equal(
      sample(text, 'baton_http_requests_total{method="PATCH",route="/todos/:id",status="200"}'),
      1,
    );
    assert.equal(
      sample(text, 'baton_http_requests_total{method="POST",route="/auth/refresh",status="401"}'),
      1,
    );
    assert.doesNotMatch(text, new RegExp(String(todo.body.id)), 'raw URLs never become labels');
  });

  it('request counts add up across scrapes (they are handed to prom-client at each scrape)', async () => {
    const user = await registerUser(server);
    const gets = async (count: number) => {
      for (let i = 0; i < count; i++) {
        assert.equal((await server.request('GET', '/todos', { token: user.accessToken })).status, 200);
      }
    };
    const series = 'baton_http_requests_total{method="GET",route="/todos",status="200"}';
    const before = sample(await scrape(), series) ?? 0;
    await gets(3);
    assert.equal(sample(await scrape(), series), before + 3);
    await gets(2);
    assert.equal(sample(await scrape(), series), before + 5);
    assert.equal(sample(await scrape(), series), before + 5, 'a scrape alone adds nothing');
  });

  it('labels unknown paths as unmatched instead of one series per URL', async () => {
    await fetch(new URL('/no/such/path/12345', server.url));
    const text = await scrape();
    assert.match(text, /route="unmatched",status="404"/);
    assert.doesNotMatch(text, /12345/);
  });
});

/** Keeps the event loop busy for `ms`, as a long synchronous task does. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Lets the timers that fell due during a block run (the delay monitor's among them, due first). */
const afterOverdueTimers = () => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Waits for the delay monitor (due every 10 ms) to run twice: started over by a scrape, it counts
 * from its next run, and a block before that would go unseen.
 */
const monitorRunning = () => new Promise((resolve) => setTimeout(resolve, 25));

describe('the event loop’s saturation signals', () => {
  const BLOCK_MS = 200;

  it('count its busy time, and how late it ran since the previous scrape', async () => {
    const server = await startServer();
    try {
      const scrape = async () => (await fetch(new URL('/metrics', server.url))).text();
      const busy = 'baton_event_loop_busy_seconds_total';
      const longest = 'baton_event_loop_delay_seconds{quantile="1"}';
      const before = await scrape();
      await monitorRunning();
      blockEventLoop(BLOCK_MS);
      await afterOverdueTimers();
      const blocked = await scrape();
      const busyFor = (sample(blocked, busy) ?? 0) - (sample(before, busy) ?? Number.NaN);
      assert.ok(busyFor >= (BLOCK_MS * 0.9) / 1000, `busy ${busyFor} s over a ${BLOCK_MS} ms block`);
      const late = sample(blocked, longest) ?? 0;
      // The timer was due every 10 ms: the block made one run at least 190 ms late.
      assert.ok(late >= (BLOCK_MS - 20) / 1000, `${late} s late at most`);
      assert.ok((sample(blocked, 'baton_event_loop_delay_seconds{quantile="0.99"}') ?? 0) <= late);
      const next = sample(await scrape(), longest) ?? Number.NaN;
      assert.ok(next < (BLOCK_MS - 20) / 1000, `since the previous scrape only: ${next} s`);
    } finally {
      await server.close();
    }
  });

  it('stop measuring when the app closes, and are not kept with metrics off', async () => {
    const server = await startServer();
    const registry = server.app.baton.metrics;
    // This one metric: the others read the store, closed by then.
    const delays = () => registry.getSingleMetricAsString('baton_event_loop_delay_seconds');
    await delays();
    await server.close();
    await monitorRunning();
    blockEventLoop(BLOCK_MS);
    await afterOverdueTimers();
    assert.equal(sample(await delays(), 'baton_event_loop_delay_seconds{quantile="1"}'), 0);

    const off = await startServer({ metrics: false });
    try {
      assert.doesNotMatch(await off.app.baton.metrics.metrics(), /baton_event_loop/);
    } finally {
      await off.close();
    }
  });
});

describe('requests counted after their answer', () => {
  // The count and the request line share one hook (http/answered.ts), with or without a logger.
  for (const logLevel of [false, 'warn', 'info'] as const) {
    it(`counts each answer once, and writes one request line at info (log level ${logLevel})`, async () => {
      const lines: string[] = [];
      const server = await startServer({ logLevel, logStream: { write: (line) => void lines.push(line) } });
      try {
        const user = await registerUser(server);
        for (let i = 0; i < 3; i++) await server.request('GET', '/todos', { token: user.accessToken });
        await server.request('GET', '/todos');
        await server.request('GET', '/no/such/path');
        const text = await (await fetch(new URL('/metrics', server.url))).text();
        assert.equal(sample(text, 'baton_http_requests_total{method="GET",route="/todos",status="200"}'), 3);
        assert.equal(sample(text, 'baton_http_requests_total{method="GET",route="/todos",status="401"}'), 1);
        assert.equal(
          sample(text, 'baton_http_requests_total{method="GET",route="unmatched",status="404"}'),
          1,
        );
      } finally {
        await server.close();
      }
      const requestLines = lines.filter((line) => line.includes('"request completed"'));
      // register, 3 + 1 GETs of /todos, the unknown path and the scrape
      assert.equal(requestLines.length, logLevel === 'info' ? 7 : 0);
    });
  }
});

describe('where /metrics and /docs are served', () => {
  it('BATON_DOCS=off and BATON_METRICS=off take them off the API', async () => {
    const server = await startServer({ docs: false, metrics: false });
    try {
      for (const route of ['/docs', '/docs/json', '/metrics']) {
        assert.equal((await server.request('GET', route)).status, 404, route);
      }
      assert.equal((await server.request('GET', '/healthz')).status, 200);
    } finally {
      await server.close();
    }
  });

  it('BATON_METRICS=<port> serves them on a listener of their own, and not on the API port', async () => {
    const metricsPort = await freePort();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-metrics-'));
    const server = await startServerProcess({ BATON_METRICS: String(metricsPort), BATON_DATA_DIR: dataDir });
    try {
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(scraped.status, 200);
      assert.match(await scraped.text(), /^baton_logins_total/m);
      assert.equal(
        (await fetch(`http://127.0.0.1:${metricsPort}/auth/me`)).status,
        404,
        'nothing else there',
      );
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

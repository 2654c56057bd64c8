import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError, optionsFromEnv, resolveConfig } from '../src/index.js';
import { SETTINGS } from '../src/settings.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('configuration', () => {
  it('reads BATON_* variables, with durations in seconds or with a unit', () => {
    const options = optionsFromEnv({
      BATON_PORT: '4000',
      BATON_ACCESS_TTL: '15m',
      BATON_REFRESH_IDLE_TTL: '30d',
      BATON_SESSION_MAX_AGE: '4320h',
      BATON_REFRESH_GRACE: '2',
      BATON_CORS_ORIGINS: 'https://app.example.com, http://localhost:8100',
      BATON_ACCESS_ALG: 'RS256',
      BATON_APP_CONNECT_ORIGINS: 'https://api.example.com',
      BATON_TOKEN_CACHE: '0',
    });
    const config = resolveConfig(options);
    assert.equal(config.tokenCache, 0);
    assert.equal(config.port, 4000);
    assert.equal(config.accessAlg, 'RS256');
    assert.deepEqual(config.appConnectOrigins, ['https://api.example.com']);
    assert.equal(config.accessTtl, 900);
    assert.equal(config.refreshIdleTtl, 30 * 86_400);
    assert.equal(config.sessionMaxAge, 180 * 86_400);
    assert.equal(config.refreshGrace, 2);
    assert.deepEqual(config.corsOrigins, ['https://app.example.com', 'http://localhost:8100']);
  });

  it('has working defaults for everything', () => {
    const config = resolveConfig(optionsFromEnv({}));
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.accessTtl, 300);
    assert.equal(config.accessAlg, 'ES256', 'the algorithm every stock verifier has');
    assert.equal(config.refreshGrace, 10);
    assert.equal(config.tokenCache, 10_000);
    assert.match(config.dataDir, /data$/);
  });

  it('names the variable of a bad value', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ BATON_ACCESS_TTL: 'soon' }, 'BATON_ACCESS_TTL'],
      [{ BATON_ACCESS_TTL: '0' }, 'BATON_ACCESS_TTL'],
      [{ BATON_PORT: '70000' }, 'BATON_PORT'],
      [{ BATON_CORS_ORIGINS: 'not a url' }, 'BATON_CORS_ORIGINS'],
      [{ BATON_DATABASE_URL: 'mysql://x' }, 'BATON_DATABASE_URL'],
      [{ BATON_REFRESH_GRACE: '10m' }, 'BATON_REFRESH_GRACE'],
      [{ BATON_TRUST_PROXY: 'true' }, 'BATON_TRUST_PROXY'],
      [{ BATON_TRUST_PROXY: '10.0.0.0/33' }, 'BATON_TRUST_PROXY'],
      [{ BATON_TRUST_PROXY: 'proxy.internal' }, 'BATON_TRUST_PROXY'],
      [{ BATON_METRICS: 'sometimes' }, 'BATON_METRICS'],
      [{ BATON_DOCS: 'maybe' }, 'BATON_DOCS'],
      [{ BATON_ACCESS_ALG: 'HS256' }, 'BATON_ACCESS_ALG'],
      [{ BATON_ACCESS_ALG: 'es256' }, 'BATON_ACCESS_ALG'],
      [{ BATON_TOKEN_CACHE: 'lots' }, 'BATON_TOKEN_CACHE'],
      [{ BATON_TOKEN_CACHE: '-1' }, 'BATON_TOKEN_CACHE'],
      [{ BATON_TOKEN_CACHE: '2000000' }, 'BATON_TOKEN_CACHE'],
      [{ BATON_APP_CONNECT_ORIGINS: 'https://api.example.com/path' }, 'BATON_APP_CONNECT_ORIGINS'],
    ];
    for (const [env, name] of cases) {
      assert.throws(
        () => optionsFromEnv(env),
        (error: unknown) =>
          error instanceof ConfigError && error.setting === name && error.message.startsWith(name),
        name,
      );
    }
  });

  it('BATON_TRUST_PROXY takes a number of proxies or their addresses, never "every hop"', () => {
    const trust = (value: string) => resolveConfig(optionsFromEnv({ BATON_TRUST_PROXY: value })).trustProxy;
    assert.equal(trust('false'), false);
    assert.equal(trust('1'), 1);
    assert.deepEqual(trust('10.0.0.0/8, 192.168.1.7,loopback,2001:db8::/32'), [
      '10.0.0.0/8',
      '192.168.1.7',
      'loopback',
      '2001:db8::/32',
    ]);
    assert.throws(
      () => optionsFromEnv({ BATON_TRUST_PROXY: 'true' }),
      (error: unknown) => error instanceof ConfigError && /number of proxies/.test(error.message),
      'the message says what to write instead',
    );
    assert.throws(() => resolveConfig({ trustProxy: true as unknown as false }), ConfigError);
  });

  it('baton serve stops with a one-line message naming the variable', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', cli, 'serve'], {
      env: { ...process.env, BATON_ACCESS_TTL: 'forever' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^baton: BATON_ACCESS_TTL: expected a duration/);
  });
});

describe('account mail settings', () => {
  it('take a public URL without query, an SMTP URL, a sender and link lifetimes, and refuse what could break a header', () => {
    const options = optionsFromEnv({
      BATON_PUBLIC_URL: 'https://app.example.com/',
      BATON_SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      BATON_MAIL_FROM: 'Example <no-reply@example.com>',
      BATON_PRODUCT_NAME: 'Example',
      BATON_RESET_TTL: '15m',
      BATON_EMAIL_TOKEN_TTL: '2d',
      BATON_REQUIRE_VERIFIED_EMAIL: 'on',
    });
    const config = resolveConfig(options);
    assert.equal(config.publicUrl, 'https://app.example.com', 'links append their path to it');
    assert.equal(
      resolveConfig(optionsFromEnv({ BATON_ISSUER: 'https://auth.example.com/' })).issuer,
      'https://auth.example.com',
      'the issuer as the metadata and the examples spell it',
    );
    assert.equal(config.resetTtl, 900);
    assert.equal(config.emailTokenTtl, 2 * 86_400);
    assert.equal(config.requireVerifiedEmail, true);
    assert.equal(resolveConfig({ host: '0.0.0.0', port: 8080 }).publicUrl, 'http://0.0.0.0:8080');
    for (const [name, value] of [
      ['BATON_PUBLIC_URL', 'https://app.example.com/?next=evil'],
      ['BATON_PUBLIC_URL', 'https://app.example.com/#x'],
      ['BATON_PUBLIC_URL', 'javascript:alert(1)'],
      ['BATON_SMTP_URL', 'http://mail.example.com'],
      ['BATON_MAIL_FROM', 'not an address'],
      ['BATON_RESET_TTL', '10'],
    ] as const) {
      assert.throws(
        () => optionsFromEnv({ [name]: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.setting, name);
          return true;
        },
      );
    }
    assert.throws(() => resolveConfig({ productName: 'Evil\r\nBcc: x@example.com' }), ConfigError);
    assert.throws(() => resolveConfig({ mailFrom: 'a@b.example\r\nBcc: x@example.com' }), ConfigError);
  });
});

describe('baton serve', () => {
  it('serves the API on the configured port and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--port', '0'], {
      env: { ...process.env, BATON_DATA_DIR: dataDir, BATON_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /Baton listening on (http:\/\/[^ ]+)/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      const jwks = await fetch(`${url}/.well-known/jwks.json`);
      assert.equal(((await jwks.json()) as { keys: unknown[] }).keys.length, 1);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the settings table', () => {
  it("the README's settings table lists exactly the settings of the code, with their defaults and meanings", async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => /^\| `BATON_/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    const expected = Object.values(SETTINGS).map((setting) => [
      `\`${setting.env}\``,
      setting.readme.default,
      setting.readme.meaning,
    ]);
    assert.deepEqual(rows, expected);
  });

  it('with no options at all, every default passes its own check', () => {
    const config = resolveConfig({});
    assert.deepEqual(Object.keys(config).sort(), [...Object.keys(SETTINGS), 'clock'].sort());
  });
});

import { isIP } from 'node:net';
import path from 'node:path';
import { parseDuration } from './duration.js';
import { DEFAULT_LIMITS, type RateLimits } from './limits.js';
import { DEFAULT_SIGNING_ALGORITHM, SIGNING_ALGORITHMS, type SigningAlgorithm } from './tokens/keys.js';

/**
 * Every setting of the server, once: the `createServer` option, its `BATON_*` variable, how the
 * variable's text is read, the default, what a valid value is, and the line the README's settings
 * table shows (a test checks the README against this table).
 */
export interface Setting<Given, Value = Given> {
  readonly env: `BATON_${string}`;
  /** The variable's (trimmed, non-empty) text as a value; `undefined` when it is malformed. */
  readonly parse: (raw: string) => Given | undefined;
  /** The value when none is given; may depend on settings earlier in the table (the issuer on host and port). */
  readonly fallback: (earlier: Earlier) => Value;
  /** Turns a given value into the resolved one (a path made absolute, limits merged with the defaults). */
  readonly normalise?: (given: Given) => Value;
  /** What is wrong with a resolved value, or `undefined`. */
  readonly check?: (value: Value) => string | undefined;
  /** What a valid value looks like, for messages: "expected <expected>, got '...'". */
  readonly expected: string;
  /** The README's settings table: how the default reads, and what the setting means. */
  readonly readme: { readonly default: string; readonly meaning: string };
}

/** The settings a default may depend on. */
export interface Earlier {
  readonly host?: string;
  readonly port?: number;
}

/** What trusting proxies means: see `ServerOptions.trustProxy`. */
export type TrustProxy = false | number | readonly string[];

const DAY = 86_400;

/** Why "trust every hop" is refused: the leftmost X-Forwarded-For entry is whatever the client wrote. */
const TRUST_EVERY_HOP =
  "'true', which would believe any X-Forwarded-For a client writes (per-address limits bypassed, addresses forged)";
const DURATION = 'a duration like 300, 90s, 15m or 30d';

const text = (raw: string) => raw;
const between = (min: number, max: number) => (value: number) =>
  Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `expected a whole number from ${min} to ${max}, got ${value}`;
const nonEmpty = (value: string) => (value.trim() === '' ? 'must not be empty' : undefined);
const positiveDuration = (raw: string) => {
  const seconds = parseDuration(raw);
  return seconds === undefined || seconds <= 0 ? undefined : seconds;
};
const resolvePath = (value: string) => path.resolve(value);
const none = () => undefined;

/** Declares a setting, inferring its value types. */
const setting = <Given, Value = Given>(definition: Setting<Given, Value>) => definition;

export const SETTINGS = {
  port: setting({
    env: 'BATON_PORT',
    parse: parsePort,
    fallback: () => 3000,
    check: between(0, 65_535),
    expected: 'a port number from 0 to 65535',
    readme: { default: '`3000`', meaning: 'port to listen on' },
  }),
  host: setting({
    env: 'BATON_HOST',
    parse: text,
    fallback: () => '127.0.0.1',
    check: nonEmpty,
    expected: 'a host',
    readme: { default: '`127.0.0.1`', meaning: 'interface to listen on' },
  }),
  dataDir: setting({
    env: 'BATON_DATA_DIR',
    parse: text,
    fallback: () => path.resolve('data'),
    normalise: resolvePath,
    expected: 'a directory',
    readme: {
      default: '`./data`',
      meaning: 'SQLite file (`baton.sqlite`) and the generated signing keys (`signing-keys.json`, mode 0600)',
    },
  }),
  databaseUrl: setting<string, string | undefined>({
    env: 'BATON_DATABASE_URL',
    parse: (raw) => (/^postgres(ql)?:\/\//.test(raw) ? raw : undefined),
    fallback: none,
    check: (value) =>
      value === undefined || /^postgres(ql)?:\/\//.test(value) ? undefined : 'expected a postgres:// URL',
    expected: 'a postgres:// URL',
    readme: { default: '(none)', meaning: '`postgres://...` selects PostgreSQL instead of SQLite' },
  }),
  databasePool: setting({
    env: 'BATON_DATABASE_POOL',
    parse: parseWholeNumber,
    fallback: () => 10,
    check: between(1, 1000),
    expected: 'a whole number of connections from 1 to 1000',
    readme: {
      default: '`10`',
      meaning: 'PostgreSQL connections of each instance (sizing: docs/deploy.md)',
    },
  }),
  secret: setting<string, string | undefined>({
    env: 'BATON_SECRET',
    parse: text,
    fallback: none,
    check: (value) =>
      value === undefined || value.length >= 32
        ? undefined
        : 'must be at least 32 characters (e.g. openssl rand -base64 32)',
    expected: 'a secret',
    readme: {
      default: '(none)',
      meaning:
        'seals the signing keys kept in PostgreSQL (required with `BATON_DATABASE_URL`); at least 32 characters',
    },
  }),
  redisUrl: setting<string, string | undefined>({
    env: 'BATON_REDIS_URL',
    parse: (raw) => (/^rediss?:\/\//.test(raw) ? raw : undefined),
    fallback: none,
    check: (value) =>
      value === undefined || /^rediss?:\/\//.test(value) ? undefined : 'expected a redis:// URL',
    expected: 'a redis:// URL',
    readme: { default: '(none)', meaning: '`redis://...` shares the rate limits between instances' },
  }),
  keysFile: setting<string, string | undefined>({
    env: 'BATON_KEYS_FILE',
    parse: text,
    fallback: none,
    normalise: resolvePath,
    expected: 'a file',
    readme: { default: '(none)', meaning: 'sign with the keys of this file instead of keys in the database' },
  }),
  issuer: setting({
    env: 'BATON_ISSUER',
    parse: text,
    fallback: ownOrigin,
    // One spelling everywhere: the tokens' `iss`, the RFC 8414 metadata and the URLs built on it.
    // Verifiers compare `iss` exactly, and the examples (like most configs) write it without.
    normalise: (value) => value.replace(/\/+$/, ''),
    check: nonEmpty,
    expected: 'an issuer',
    readme: {
      default: '`http://{host}:{port}`',
      meaning: '`iss` of access tokens (a trailing `/` is dropped)',
    },
  }),
  audience: setting({
    env: 'BATON_AUDIENCE',
    parse: text,
    fallback: () => 'baton',
    check: nonEmpty,
    expected: 'an audience',
    readme: { default: '`baton`', meaning: '`aud` of access tokens' },
  }),
  accessTtl: setting({
    env: 'BATON_ACCESS_TTL',
    parse: positiveDuration,
    fallback: () => 300,
    check: between(1, DAY),
    expected: DURATION,
    readme: { default: '`300` (5 min)', meaning: 'access token lifetime' },
  }),
  accessAlg: setting<SigningAlgorithm>({
    env: 'BATON_ACCESS_ALG',
    parse: (raw) => SIGNING_ALGORITHMS.find((alg) => alg === raw),
    fallback: () => DEFAULT_SIGNING_ALGORITHM,
    check: (value) =>
      SIGNING_ALGORITHMS.includes(value) ? undefined : `expected one of ${SIGNING_ALGORITHMS.join(', ')}`,
    expected: `one of ${SIGNING_ALGORITHMS.join(', ')}`,
    readme: {
      default: '`ES256`',
      meaning: 'access token signature: `ES256`, `EdDSA` or `RS256` (a change rotates the key at start)',
    },
  }),
  tokenCache: setting({
    env: 'BATON_TOKEN_CACHE',
    parse: parseWholeNumber,
    fallback: () => 10_000,
    check: between(0, 1_000_000),
    expected: 'a whole number of tokens (0 turns the cache off)',
    readme: {
      default: '`10000`',
      meaning:
        'verified access tokens remembered, so a client’s next request skips the signature check; `0` checks every request in full',
    },
  }),
  refreshIdleTtl: setting({
    env: 'BATON_REFRESH_IDLE_TTL',
    parse: positiveDuration,
    fallback: () => 30 * DAY,
    check: between(1, 10 * 365 * DAY),
    expected: DURATION,
    readme: { default: '`30d`', meaning: 'refresh token lifetime without use (each rotation extends it)' },
  }),
  sessionMaxAge: setting({
    env: 'BATON_SESSION_MAX_AGE',
    parse: positiveDuration,
    fallback: () => 180 * DAY,
    check: between(1, 10 * 365 * DAY),
    expected: DURATION,
    readme: { default: '`180d`', meaning: 'absolute session lifetime, never extended' },
  }),
  refreshGrace: setting({
    env: 'BATON_REFRESH_GRACE',
    parse: parseDuration,
    fallback: () => 10,
    check: between(0, 300),
    expected: DURATION,
    readme: {
      default: '`10`',
      meaning:
        'seconds in which the client that rotated a refresh token may present it again (parallel tabs, lost answers)',
    },
  }),
  corsOrigins: setting<readonly string[]>({
    env: 'BATON_CORS_ORIGINS',
    parse: (raw) => {
      const origins = raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
      return origins.every(isOrigin) ? origins : undefined;
    },
    fallback: () => [],
    check: (origins) => {
      const bad = origins.find((origin) => !isOrigin(origin));
      return bad === undefined ? undefined : `not an origin: '${bad}'`;
    },
    expected: 'a comma-separated list of origins like https://app.example.com',
    readme: { default: '(none)', meaning: 'comma-separated origins allowed by CORS' },
  }),
  appDir: setting<string, string | undefined>({
    env: 'BATON_APP_DIR',
    parse: text,
    fallback: none,
    normalise: resolvePath,
    expected: 'a directory',
    readme: { default: '(none)', meaning: 'a built single-page app to serve at `/`' },
  }),
  appConnectOrigins: setting<readonly string[]>({
    env: 'BATON_APP_CONNECT_ORIGINS',
    parse: parseOrigins,
    fallback: () => [],
    check: checkOrigins,
    expected: 'a comma-separated list of origins like https://api.example.com',
    readme: {
      default: '(none)',
      meaning: 'origins of your APIs the served app may call (its CSP `connect-src`)',
    },
  }),
  trustProxy: setting<TrustProxy>({
    env: 'BATON_TRUST_PROXY',
    parse: parseTrustProxy,
    fallback: () => false,
    check: checkTrustProxy,
    expected: `false, the number of proxies in front (e.g. 1), or their addresses/CIDRs (e.g. 10.0.0.0/8,192.168.1.7); never ${TRUST_EVERY_HOP}`,
    readme: {
      default: '`false`',
      meaning:
        'proxies whose `X-Forwarded-For` gives the client address: their number (`1`) or addresses/CIDRs (`10.0.0.0/8`); never `true`',
    },
  }),
  rateLimits: setting<Partial<RateLimits> | false, RateLimits | false>({
    env: 'BATON_RATE_LIMITS',
    parse: (raw) => (raw === 'off' ? false : raw === 'on' ? {} : undefined),
    fallback: () => DEFAULT_LIMITS,
    normalise: (given) => (given === false ? false : { ...DEFAULT_LIMITS, ...given }),
    expected: "'on' or 'off'",
    readme: { default: '`on`', meaning: '`off` switches every limit off (benchmarks only)' },
  }),
  docs: setting({
    env: 'BATON_DOCS',
    parse: parseSwitch,
    fallback: () => true,
    expected: "'on' or 'off'",
    readme: { default: '`on`', meaning: '`off` removes `/docs` (the OpenAPI document and Swagger UI)' },
  }),
  metrics: setting<'api' | number | false>({
    env: 'BATON_METRICS',
    parse: (raw) => (raw === 'off' ? false : raw === 'on' ? 'api' : parsePort(raw) || undefined),
    fallback: () => 'api',
    check: (value) => (typeof value === 'number' ? between(1, 65_535)(value) : undefined),
    expected: "'on' (on the API port), 'off', or a port number for a separate listener",
    readme: {
      default: '`on`',
      meaning:
        '`/metrics` on the API port; a port number serves it on a listener of its own; `off` not at all',
    },
  }),
  oauthPasswordGrant: setting({
    env: 'BATON_OAUTH_PASSWORD_GRANT',
    parse: parseSwitch,
    fallback: () => false,
    expected: "'on' or 'off'",
    readme: {
      default: '`off`',
      meaning: '`on` accepts `grant_type=password` at `/oauth/token` (deprecated by RFC 9700)',
    },
  }),
  publicUrl: setting({
    env: 'BATON_PUBLIC_URL',
    parse: (raw) => (isPublicUrl(raw) ? raw : undefined),
    fallback: ownOrigin,
    normalise: (value) => value.replace(/\/+$/, ''),
    check: (value) => (isPublicUrl(value) ? undefined : 'expected an http(s) URL without query or fragment'),
    expected: 'an http(s) URL like https://app.example.com',
    readme: {
      default: '`http://{host}:{port}`',
      meaning:
        'where the app is: account mail links to `{url}/reset-password` and `{url}/verify-email` (never taken from a request)',
    },
  }),
  productName: setting({
    env: 'BATON_PRODUCT_NAME',
    parse: text,
    fallback: () => 'Baton',
    check: (value) =>
      value.trim() !== '' && value.length <= 60 && !CONTROL.test(value)
        ? undefined
        : 'expected 1 to 60 characters without control characters',
    expected: 'a name of 1 to 60 characters',
    readme: {
      default: '`Baton`',
      meaning: 'the name account mail signs with (subjects, greetings, sender name)',
    },
  }),
  smtpUrl: setting<string, string | undefined>({
    env: 'BATON_SMTP_URL',
    parse: (raw) => (isSmtpUrl(raw) ? raw : undefined),
    fallback: none,
    check: (value) =>
      value === undefined || isSmtpUrl(value) ? undefined : 'expected an smtp:// or smtps:// URL',
    expected: 'an smtp:// (STARTTLS) or smtps:// (TLS) URL, e.g. smtp://user:pass@mail.example.com:587',
    readme: {
      default: '(none)',
      meaning:
        'sends account mail through this server (`smtp://user:pass@host:587`, or `smtps://` for TLS); without it each message is an `.eml` file in `<data dir>/outbox/`',
    },
  }),
  mailFrom: setting({
    env: 'BATON_MAIL_FROM',
    parse: (raw) => (isMailbox(raw) ? raw : undefined),
    fallback: () => 'no-reply@localhost',
    check: (value) => (isMailbox(value) ? undefined : 'expected an address like no-reply@example.com'),
    expected: 'an address (no-reply@example.com) or a name and address (Example <no-reply@example.com>)',
    readme: {
      default: '`no-reply@localhost`',
      meaning: 'sender of account mail; a bare address is sent with the product name as its display name',
    },
  }),
  resetTtl: setting({
    env: 'BATON_RESET_TTL',
    parse: positiveDuration,
    fallback: () => 30 * 60,
    check: between(60, DAY),
    expected: DURATION,
    readme: { default: '`30m`', meaning: 'lifetime of a password reset link' },
  }),
  emailTokenTtl: setting({
    env: 'BATON_EMAIL_TOKEN_TTL',
    parse: positiveDuration,
    fallback: () => DAY,
    check: between(60, 30 * DAY),
    expected: DURATION,
    readme: { default: '`24h`', meaning: 'lifetime of an email verification or email change link' },
  }),
  requireVerifiedEmail: setting({
    env: 'BATON_REQUIRE_VERIFIED_EMAIL',
    parse: parseSwitch,
    fallback: () => false,
    expected: "'on' or 'off'",
    readme: {
      default: '`off`',
      meaning:
        '`on`: sign-in needs a verified email (403 `email_not_verified` after a correct password) and registration answers 202 without tokens',
    },
  }),
  logFormat: setting<'auto' | 'pretty' | 'json'>({
    env: 'BATON_LOG_FORMAT',
    parse: (raw) => (raw === 'auto' || raw === 'pretty' || raw === 'json' ? raw : undefined),
    fallback: () => 'auto',
    expected: "'auto', 'pretty' or 'json'",
    readme: {
      default: '`auto`',
      meaning:
        'log lines for a person (`pretty`) or for a log shipper (`json`); `auto`: pretty when standard output is a terminal',
    },
  }),
  logLevel: setting<string | false>({
    env: 'BATON_LOG_LEVEL',
    parse: (raw) => (raw === 'silent' ? false : LOG_LEVELS.includes(raw) ? raw : undefined),
    fallback: () => 'info',
    check: (value) =>
      value === false || LOG_LEVELS.includes(value) || value === 'silent' ? undefined : 'not a log level',
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
    readme: { default: '`info`', meaning: 'pino log level, or `silent`' },
  }),
};

/** The settings with every default applied (the table's values). */
export type Resolved = {
  -readonly [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K] extends Setting<infer _Given, infer Value>
    ? Value
    : never;
};

/** The server's own origin, from where it listens: the default issuer and public URL. */
function ownOrigin({ host = '127.0.0.1', port = 3000 }: Earlier): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Control characters (CR and LF above all) would let a value start a new mail header. */
const CONTROL = /\p{Cc}/u;

/** An http(s) URL without credentials, query or fragment: links append their path and `?token=`. */
function isPublicUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.username === '' &&
      url.password === '' &&
      url.search === '' &&
      url.hash === '' &&
      !candidate.includes('?') &&
      !candidate.includes('#')
    );
  } catch {
    return false;
  }
}

function isSmtpUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `a@b.example` or `Name <a@b.example>`, on one line. */
function isMailbox(candidate: string): boolean {
  if (CONTROL.test(candidate)) return false;
  return /^[^\s<>@]+@[^\s<>@]+$/.test(candidate) || /^[^<>]*<[^\s<>@]+@[^\s<>@]+>$/.test(candidate);
}

const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Digits only: the setting's `check` says which whole numbers it takes. */
function parseWholeNumber(raw: string): number | undefined {
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function parsePort(raw: string): number | undefined {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  return port >= 0 && port <= 65_535 ? port : undefined;
}

function parseSwitch(raw: string): boolean | undefined {
  if (/^(on|true|yes|1)$/i.test(raw)) return true;
  if (/^(off|false|no|0)$/i.test(raw)) return false;
  return undefined;
}

function parseOrigins(raw: string): string[] | undefined {
  const origins = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return origins.every(isOrigin) ? origins : undefined;
}

function checkOrigins(origins: readonly string[]): string | undefined {
  const bad = origins.find((origin) => !isOrigin(origin));
  return bad === undefined ? undefined : `not an origin: '${bad}'`;
}

function isOrigin(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return url.origin === candidate && (url.protocol === 'http:' || url.protocol === 'https:');
  } catch {
    return false;
  }
}

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a CIDR range, or one of proxy-addr's named ranges. */
function isProxyAddress(candidate: string): boolean {
  if (NAMED_RANGES.has(candidate)) return true;
  const [address = '', prefix, extra] = candidate.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function parseTrustProxy(raw: string): TrustProxy | undefined {
  if (/^(false|no|0)$/i.test(raw)) return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const list = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return list.length > 0 && list.every(isProxyAddress) ? list : undefined;
}

function checkTrustProxy(value: TrustProxy): string | undefined {
  if (value === false) return undefined;
  if ((value as unknown) === true)
    return `expected the number of proxies or their addresses, not ${TRUST_EVERY_HOP}`;
  if (typeof value === 'number') return between(1, 10)(value);
  if (!Array.isArray(value) || value.length === 0 || !value.every(isProxyAddress)) {
    return `expected false, a number of proxies or a list of addresses/CIDRs, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

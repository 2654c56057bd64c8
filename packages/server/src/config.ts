import path from 'node:path';
import { DEFAULT_LIMITS, type RateLimits } from './auth/throttle.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { parseDuration } from './duration.js';
import type { Store } from './store/store.js';
import { DEFAULT_SIGNING_ALGORITHM, SIGNING_ALGORITHMS, type SigningAlgorithm } from './tokens/keys.js';

/**
 * Options of {@link createServer}. Every option has a working default; the `BATON_*` environment
 * variables map onto the same names (see {@link optionsFromEnv}).
 */
export interface ServerOptions {
  /** Port for `baton serve` (the factory itself does not listen). Default 3000. */
  readonly port?: number;
  /** Interface for `baton serve`. Default `127.0.0.1`. */
  readonly host?: string;
  /** Directory of the SQLite file and the generated signing keys. Default `./data`. */
  readonly dataDir?: string;
  /** `postgres://...` selects the PostgreSQL store instead of SQLite. */
  readonly databaseUrl?: string;
  /**
   * Encrypts the signing keys kept in the database (AES-256-GCM under a key derived from it).
   * Required on PostgreSQL unless `keysFile` is given. At least 32 characters.
   */
  readonly secret?: string;
  /** `redis://...` shares rate-limit counters between instances. Default: in-process counters. */
  readonly redisUrl?: string;
  /** A `signing-keys.json` file to sign with instead of keys in the database (PostgreSQL only). */
  readonly keysFile?: string;
  /** `iss` of issued access tokens. Default `http://{host}:{port}`. */
  readonly issuer?: string;
  /** `aud` of issued access tokens. Default `baton`. */
  readonly audience?: string;
  /** Access token lifetime in seconds. Default 300. */
  readonly accessTtl?: number;
  /** Signing algorithm of access tokens: `ES256` (default), `EdDSA` or `RS256`. A change rotates the key at start. */
  readonly accessAlg?: SigningAlgorithm;
  /** Refresh token idle lifetime in seconds, extended by each rotation. Default 30 days. */
  readonly refreshIdleTtl?: number;
  /** Absolute session lifetime in seconds. Default 180 days. */
  readonly sessionMaxAge?: number;
  /** Seconds during which a just-rotated refresh token may be presented again. Default 10. */
  readonly refreshGrace?: number;
  /** Origins allowed by CORS. Default none (same-origin only). */
  readonly corsOrigins?: readonly string[];
  /** A built single-page app to serve at `/` with history-API fallback. */
  readonly appDir?: string;
  /** Origins the served app may call besides Baton (its APIs): added to the page's CSP `connect-src`. */
  readonly appConnectOrigins?: readonly string[];
  /** Trust `X-Forwarded-*` from a reverse proxy (for client IPs). Default false. */
  readonly trustProxy?: boolean;
  /**
   * Anti-automation limits (see `DEFAULT_LIMITS`): override some, or `false` to switch throttling
   * off (benchmarks only; `BATON_RATE_LIMITS=off`).
   */
  readonly rateLimits?: Partial<RateLimits> | false;
  /** Log level for pino, or `false` to disable logging. Default `info`. */
  readonly logLevel?: string | false;
  /** Where log lines go (default standard output): for tests and log shippers. */
  readonly logStream?: { write(line: string): void };
  /** The time source. Default the system clock. */
  readonly clock?: Clock;
  /** A store to use instead of opening one from `dataDir`/`databaseUrl` (the caller closes it). */
  readonly store?: Store;
}

/** {@link ServerOptions} with every default applied. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly secret: string | undefined;
  readonly redisUrl: string | undefined;
  readonly keysFile: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTtl: number;
  readonly accessAlg: SigningAlgorithm;
  readonly refreshIdleTtl: number;
  readonly sessionMaxAge: number;
  readonly refreshGrace: number;
  readonly corsOrigins: readonly string[];
  readonly appDir: string | undefined;
  readonly appConnectOrigins: readonly string[];
  readonly trustProxy: boolean;
  readonly rateLimits: RateLimits | false;
  readonly logLevel: string | false;
  readonly clock: Clock;
}

/** A configuration value that cannot be used; `setting` names the variable or option. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

const DAY = 86_400;

/** Applies defaults and checks ranges. Throws {@link ConfigError} naming the bad option. */
export function resolveConfig(options: ServerOptions = {}): ServerConfig {
  const port = options.port ?? 3000;
  const host = options.host ?? '127.0.0.1';
  checkInteger('port', port, 0, 65_535);
  const config: ServerConfig = {
    port,
    host,
    dataDir: path.resolve(options.dataDir ?? 'data'),
    databaseUrl: options.databaseUrl,
    secret: options.secret,
    redisUrl: options.redisUrl,
    keysFile: options.keysFile === undefined ? undefined : path.resolve(options.keysFile),
    issuer: options.issuer ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    audience: options.audience ?? 'baton',
    accessTtl: options.accessTtl ?? 300,
    accessAlg: options.accessAlg ?? DEFAULT_SIGNING_ALGORITHM,
    refreshIdleTtl: options.refreshIdleTtl ?? 30 * DAY,
    sessionMaxAge: options.sessionMaxAge ?? 180 * DAY,
    refreshGrace: options.refreshGrace ?? 10,
    corsOrigins: options.corsOrigins ?? [],
    appDir: options.appDir === undefined ? undefined : path.resolve(options.appDir),
    appConnectOrigins: options.appConnectOrigins ?? [],
    trustProxy: options.trustProxy ?? false,
    rateLimits: options.rateLimits === false ? false : { ...DEFAULT_LIMITS, ...options.rateLimits },
    logLevel: options.logLevel ?? 'info',
    clock: options.clock ?? systemClock,
  };
  checkInteger('accessTtl', config.accessTtl, 1, DAY);
  checkInteger('refreshIdleTtl', config.refreshIdleTtl, 1, 10 * 365 * DAY);
  checkInteger('sessionMaxAge', config.sessionMaxAge, 1, 10 * 365 * DAY);
  checkInteger('refreshGrace', config.refreshGrace, 0, 300);
  if (!SIGNING_ALGORITHMS.includes(config.accessAlg))
    throw new ConfigError('accessAlg', `expected one of ${SIGNING_ALGORITHMS.join(', ')}`);
  if (config.issuer.trim() === '') throw new ConfigError('issuer', 'must not be empty');
  if (config.audience.trim() === '') throw new ConfigError('audience', 'must not be empty');
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError('databaseUrl', 'expected a postgres:// URL');
  }
  if (config.databaseUrl !== undefined && config.secret === undefined && config.keysFile === undefined) {
    throw new ConfigError(
      'secret',
      'required with a PostgreSQL database: it encrypts the signing keys kept there (or set BATON_KEYS_FILE)',
    );
  }
  if (config.secret !== undefined && config.secret.length < 32) {
    throw new ConfigError('secret', 'must be at least 32 characters (e.g. openssl rand -base64 32)');
  }
  if (config.redisUrl !== undefined && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new ConfigError('redisUrl', 'expected a redis:// URL');
  }
  for (const origin of config.corsOrigins) {
    if (!isOrigin(origin)) throw new ConfigError('corsOrigins', `not an origin: '${origin}'`);
  }
  for (const origin of config.appConnectOrigins) {
    if (!isOrigin(origin)) throw new ConfigError('appConnectOrigins', `not an origin: '${origin}'`);
  }
  return config;
}

function checkInteger(setting: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(setting, `expected a whole number from ${min} to ${max}, got ${value}`);
  }
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return url.origin === text && (url.protocol === 'http:' || url.protocol === 'https:');
  } catch {
    return false;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads {@link ServerOptions} from `BATON_*` environment variables. A malformed value throws a
 * {@link ConfigError} whose `setting` is the variable's name, so `baton serve` can stop with one
 * line that says what to fix.
 */
export function optionsFromEnv(env: Env = process.env): ServerOptions {
  const options: Record<string, unknown> = {};
  const text = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const set = <T>(
    key: keyof ServerOptions,
    name: string,
    parse: (raw: string) => T | undefined,
    expected: string,
  ) => {
    const raw = text(name);
    if (raw === undefined) return;
    const value = parse(raw);
    if (value === undefined) throw new ConfigError(name, `expected ${expected}, got '${raw}'`);
    options[key] = value;
  };
  const duration = 'a duration like 300, 90s, 15m or 30d';
  set('port', 'BATON_PORT', parsePort, 'a port number from 0 to 65535');
  set('host', 'BATON_HOST', (raw) => raw, 'a host');
  set('dataDir', 'BATON_DATA_DIR', (raw) => raw, 'a directory');
  set(
    'databaseUrl',
    'BATON_DATABASE_URL',
    (raw) => (/^postgres(ql)?:\/\//.test(raw) ? raw : undefined),
    'a postgres:// URL',
  );
  set('secret', 'BATON_SECRET', (raw) => raw, 'a secret');
  set(
    'redisUrl',
    'BATON_REDIS_URL',
    (raw) => (/^rediss?:\/\//.test(raw) ? raw : undefined),
    'a redis:// URL',
  );
  set('keysFile', 'BATON_KEYS_FILE', (raw) => raw, 'a file');
  set('issuer', 'BATON_ISSUER', (raw) => raw, 'an issuer');
  set('audience', 'BATON_AUDIENCE', (raw) => raw, 'an audience');
  set('accessTtl', 'BATON_ACCESS_TTL', positive(parseDuration), duration);
  set('accessAlg', 'BATON_ACCESS_ALG', parseSigningAlgorithm, `one of ${SIGNING_ALGORITHMS.join(', ')}`);
  set('refreshIdleTtl', 'BATON_REFRESH_IDLE_TTL', positive(parseDuration), duration);
  set('sessionMaxAge', 'BATON_SESSION_MAX_AGE', positive(parseDuration), duration);
  set('refreshGrace', 'BATON_REFRESH_GRACE', parseDuration, duration);
  set(
    'corsOrigins',
    'BATON_CORS_ORIGINS',
    parseOrigins,
    'a comma-separated list of origins like https://app.example.com',
  );
  set('appDir', 'BATON_APP_DIR', (raw) => raw, 'a directory');
  set(
    'appConnectOrigins',
    'BATON_APP_CONNECT_ORIGINS',
    parseOrigins,
    'a comma-separated list of origins like https://api.example.com',
  );
  set('trustProxy', 'BATON_TRUST_PROXY', parseBoolean, 'true or false');
  set(
    'rateLimits',
    'BATON_RATE_LIMITS',
    (raw) => (raw === 'off' ? false : raw === 'on' ? {} : undefined),
    "'on' or 'off'",
  );
  set('logLevel', 'BATON_LOG_LEVEL', parseLogLevel, 'one of fatal, error, warn, info, debug, trace, silent');
  const resolved = options as ServerOptions;
  try {
    resolveConfig(resolved);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(envNameOf(error.setting), error.message.slice(error.setting.length + 2));
    throw error;
  }
  return resolved;
}

function envNameOf(setting: string): string {
  return `BATON_${setting.replace(/([A-Z])/g, '_$1').toUpperCase()}`;
}

function positive(parse: (raw: string) => number | undefined) {
  return (raw: string) => {
    const value = parse(raw);
    return value === undefined || value <= 0 ? undefined : value;
  };
}

function parseSigningAlgorithm(raw: string): SigningAlgorithm | undefined {
  return SIGNING_ALGORITHMS.find((alg) => alg === raw);
}

function parsePort(raw: string): number | undefined {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  return port >= 0 && port <= 65_535 ? port : undefined;
}

function parseOrigins(raw: string): string[] | undefined {
  const origins = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return origins.every(isOrigin) ? origins : undefined;
}

function parseBoolean(raw: string): boolean | undefined {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  return undefined;
}

function parseLogLevel(raw: string): string | false | undefined {
  if (raw === 'silent') return false;
  return ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(raw) ? raw : undefined;
}

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { RateLimits } from './limits.js';
import { type Earlier, type Resolved, SETTINGS, type Setting, type TrustProxy } from './settings.js';
import type { Store } from './store/store.js';
import type { SigningAlgorithm } from './tokens/keys.js';

export type { TrustProxy } from './settings.js';

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
   * Connections each instance keeps to PostgreSQL. Default 10: in the bench, refreshes from 16
   * concurrent clients gain nothing from more (docs/deploy.md has the measurement); the database's
   * `max_connections` must cover every instance's pool.
   */
  readonly databasePool?: number;
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
  /**
   * Verified access tokens remembered in memory, so that a client's next request with the same
   * token skips the signature check (a token is never remembered past its own expiry). `0` checks
   * every request in full. Default 10,000.
   */
  readonly tokenCache?: number;
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
  /**
   * Which reverse proxies to believe about the client's address (`X-Forwarded-For`): `false`
   * (default: the socket's peer is the client), the number of proxies in front of Baton (`1` for
   * one load balancer), or the proxies' addresses and CIDR ranges (`['10.0.0.0/8']`, also
   * `loopback`, `linklocal`, `uniquelocal`). Never "every hop": the leftmost entry is whatever
   * the client wrote.
   */
  readonly trustProxy?: TrustProxy;
  /**
   * Anti-automation limits (see `DEFAULT_LIMITS`): override some, or `false` to switch throttling
   * off (benchmarks only; `BATON_RATE_LIMITS=off`).
   */
  readonly rateLimits?: Partial<RateLimits> | false;
  /** Serve the OpenAPI document and Swagger UI at `/docs`. Default true. */
  readonly docs?: boolean;
  /**
   * Where `GET /metrics` (Prometheus) is served: `'api'` (default, on the API's port), a port
   * number (a separate listener on `host`, opened by `baton serve`, so the load balancer never
   * routes to it), or `false` (not at all).
   */
  readonly metrics?: 'api' | number | false;
  /**
   * Accept `grant_type=password` at `/oauth/token`. Default false: RFC 9700 (OAuth 2.0 Security
   * BCP) deprecates the password grant; Baton's own `/auth/login` is the way to sign in.
   */
  readonly oauthPasswordGrant?: boolean;
  /**
   * Where the app is, for links in account mail: `{publicUrl}/reset-password?token=...` and
   * `{publicUrl}/verify-email?token=...`. Default `http://{host}:{port}`. Links are built from
   * this setting only, never from a request's `Host` header, which a client writes.
   */
  readonly publicUrl?: string;
  /** The name account mail signs with (subjects, greetings, the sender's display name). Default `Baton`. */
  readonly productName?: string;
  /**
   * `smtp://user:pass@host:587` (STARTTLS) or `smtps://...:465` (TLS): the server that delivers
   * account mail. Default none: each message becomes an `.eml` file in `<dataDir>/outbox/`
   * (mode 0600) and its link is logged, so every flow works with no setup.
   */
  readonly smtpUrl?: string;
  /** Sender of account mail: an address, or `Name <address>`. Default `no-reply@localhost`. */
  readonly mailFrom?: string;
  /** Lifetime of a password reset link in seconds. Default 30 minutes. */
  readonly resetTtl?: number;
  /** Lifetime of an email verification or email change link in seconds. Default 24 hours. */
  readonly emailTokenTtl?: number;
  /**
   * Sign-in needs a verified email: a correct password of an unverified account answers 403
   * `email_not_verified`, and registration answers 202 without tokens. Default false.
   */
  readonly requireVerifiedEmail?: boolean;
  /**
   * `pretty` log lines for a person, `json` lines for a log shipper, or `auto` (default): pretty
   * when standard output is a terminal, JSON otherwise.
   */
  readonly logFormat?: 'auto' | 'pretty' | 'json';
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
export type ServerConfig = Readonly<Resolved> & { readonly clock: Clock };

type Key = keyof typeof SETTINGS;

/** Options that are not settings (no variable): objects only code can hand over. */
type CodeOnly = 'clock' | 'logStream' | 'store';
// The options and the table name the same settings: adding one to only one of them fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const optionsMatchTable: Same<Exclude<keyof ServerOptions, CodeOnly>, Key> = true;
void optionsMatchTable;

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

type AnySetting = Setting<unknown, unknown>;
const ENTRIES = Object.entries(SETTINGS) as Array<[Key, AnySetting]>;

/**
 * Applies defaults and checks every value, once. Throws {@link ConfigError} naming the option (or,
 * for values read by {@link optionsFromEnv}, the variable).
 */
export function resolveConfig(
  options: ServerOptions = {},
  names: (key: Key) => string = (key) => key,
): ServerConfig {
  const resolved: Partial<Record<Key, unknown>> = {};
  for (const [key, setting] of ENTRIES) {
    const given = (options as Partial<Record<Key, unknown>>)[key];
    const value =
      given === undefined
        ? setting.fallback(resolved as Earlier)
        : setting.normalise
          ? setting.normalise(given)
          : given;
    const problem = setting.check?.(value);
    if (problem !== undefined) throw new ConfigError(names(key), problem);
    resolved[key] = value;
  }
  const config = { ...(resolved as Resolved), clock: options.clock ?? systemClock };
  if (config.databaseUrl !== undefined && config.secret === undefined && config.keysFile === undefined) {
    throw new ConfigError(
      names('secret'),
      'required with a PostgreSQL database: it encrypts the signing keys kept there (or set BATON_KEYS_FILE)',
    );
  }
  return config;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads {@link ServerOptions} from `BATON_*` environment variables and validates them. A malformed
 * or invalid value throws a {@link ConfigError} whose `setting` is the variable's name, so `baton
 * serve` can stop with one line that says what to fix.
 */
export function optionsFromEnv(env: Env = process.env): ServerOptions {
  const options: Partial<Record<Key, unknown>> = {};
  for (const [key, setting] of ENTRIES) {
    const raw = env[setting.env]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = setting.parse(raw);
    if (value === undefined) throw new ConfigError(setting.env, `expected ${setting.expected}, got '${raw}'`);
    options[key] = value;
  }
  resolveConfig(options as ServerOptions, (key) => SETTINGS[key].env);
  return options as ServerOptions;
}

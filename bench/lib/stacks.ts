import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { field, sendJson } from './http.js';
import { launch, type RunningServer } from './processes.js';
import type { Algorithm } from './tokens.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_WORK = join(REPO_ROOT, 'bench', '.work');
/** Where `buildReferences` compiles the reference servers (`bare/server.js`, `fastify/server.js`, ...). */
export const REFERENCES_BUILD = join(BENCH_WORK, 'references');
const DJANGO_PROJECT = join(REPO_ROOT, 'bench', 'references', 'django');

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface Account {
  readonly index: number;
  readonly email: string;
  readonly password: string;
}

/** The auth endpoints of a stack, spoken in its own dialect. */
export interface AuthApi {
  /** Creates the account (with the three sample todos) and returns its first token pair. */
  register(baseUrl: string, account: Account): Promise<TokenPair>;
  login(baseUrl: string, account: Account): Promise<TokenPair>;
  /** Rotates: the successor pair, or `undefined` when the server refused (any non-200). */
  refresh(baseUrl: string, refreshToken: string): Promise<TokenPair | undefined>;
}

/** One server under comparison. */
export interface Stack {
  readonly name: string;
  readonly todosPath: string;
  /** Whether a 2xx refresh is on disk (fsync'd) before the answer. */
  readonly durableRefresh: boolean;
  readonly auth?: AuthApi;
  /** Measured on the protected GET with the token cache off only (no refresh, login or storm scenarios). */
  readonly getOnly?: boolean;
  launch(port: number, workDir: string, extraEnv?: Record<string, string>): Promise<RunningServer>;
}

export function accountFor(index: number): Account {
  return { index, email: `bench-user-${index}@example.test`, password: 'a long bench passphrase 42' };
}

function pair(response: { status: number; body: unknown }, access: string, refresh: string): TokenPair {
  return { accessToken: field(response, access), refreshToken: field(response, refresh) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Baton allows 30 registrations per IP per 10 minutes (account farming). The benchmark keeps that
 * limit on, as a user runs the server, and registers its users from several loopback source
 * addresses (127.0.1.x), 25 each, like users arriving from many places.
 */
function registrationAddress(account: Account): string {
  return `127.0.1.${1 + Math.floor(account.index / 25)}`;
}

/**
 * Login and refresh as Baton and the NestJS reference both speak them: `POST /auth/login` and
 * `POST /auth/refresh`, answering `{ accessToken, refreshToken }`.
 */
const camelCaseAuth: Pick<AuthApi, 'login' | 'refresh'> = {
  async login(baseUrl, account) {
    const body = { email: account.email, password: account.password };
    return pair(await sendJson(`${baseUrl}/auth/login`, { body }), 'accessToken', 'refreshToken');
  },
  async refresh(baseUrl, refreshToken) {
    const response = await sendJson(`${baseUrl}/auth/refresh`, { body: { refreshToken } });
    return response.status === 200 ? pair(response, 'accessToken', 'refreshToken') : undefined;
  },
};

/** Launches a reference compiled into bench/.work/references, on 127.0.0.1:`port`. */
function launchReference(name: string, file: string, port: number, env: Record<string, string> = {}) {
  return launch({
    name,
    command: process.execPath,
    args: [join(REFERENCES_BUILD, file)],
    env: { PORT: String(port), ...env },
    healthUrl: `http://127.0.0.1:${port}/healthz`,
  });
}

/**
 * Node's flags for Baton, as `npm start` and docs/deploy.md run it: a 4 MiB young generation keeps
 * the resident memory under load about 30 MiB lower at the same throughput, and an old generation
 * allowed to grow 1.3 times its live size between full collections (V8's own factor under memory
 * pressure; by default up to 4 times) keeps the peak with 16,000 distinct tokens 5-20 MiB lower
 * (6 to 25 MiB in the A/B runs of docs/deploy.md), at the same throughput.
 */
export const BATON_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=30'] as const;

/** Baton's environment on `port` with its data in `workDir`, as the bench runs it (and profiles it). */
export function batonEnv(port: number, workDir: string): Record<string, string> {
  return {
    // Two malloc arenas (glibc) keep the resident memory about 6 MiB lower.
    MALLOC_ARENA_MAX: '2',
    BATON_PORT: String(port),
    BATON_DATA_DIR: workDir,
    // As in production: one info line per request (to /dev/null here; the cost is the same).
    BATON_LOG_LEVEL: 'info',
    BATON_ACCESS_TTL: '30m',
  };
}

/** The built `baton` command, as `npm start` runs it. */
export const BATON_BUNDLE = join(REPO_ROOT, 'packages/server/dist/bundle/cli.js');

/** How {@link launchBaton} starts one Baton. */
export interface BatonLaunch {
  /** Its name in errors (default `Baton`). */
  readonly name?: string;
  /** Node's arguments, command included (default: {@link BATON_NODE_FLAGS}, the bundle, `serve`). */
  readonly args?: readonly string[];
  /** Environment over {@link batonEnv}'s. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts Baton on `port` with its data in `workDir`, in the bench's environment, and waits for its health check. */
export function launchBaton(
  port: number,
  workDir: string,
  options: BatonLaunch = {},
): Promise<RunningServer> {
  return launch({
    name: options.name ?? 'Baton',
    command: process.execPath,
    args: [...(options.args ?? [...BATON_NODE_FLAGS, BATON_BUNDLE, 'serve'])],
    env: { ...batonEnv(port, workDir), ...options.env },
    healthUrl: `http://127.0.0.1:${port}/healthz`,
  });
}

export const baton: Stack = {
  name: 'Baton',
  todosPath: '/todos',
  durableRefresh: true,
  launch: (port, workDir, extraEnv = {}) => launchBaton(port, workDir, { env: extraEnv }),
  auth: {
    async register(baseUrl, account) {
      const body = { email: account.email, password: account.password };
      const tokens = pair(
        await sendJson(`${baseUrl}/auth/register`, { body, from: registrationAddress(account) }),
        'accessToken',
        'refreshToken',
      );
      const titles = ['Buy milk', 'Write the benchmark', 'Read RFC 9700'];
      for (const [index, title] of titles.entries()) {
        const created = await sendJson(`${baseUrl}/todos`, {
          body: { title },
          headers: bearer(tokens.accessToken),
        });
        if (index === 1) {
          await sendJson(`${baseUrl}/todos/${field(created, 'id')}`, {
            method: 'PATCH',
            body: { done: true },
            headers: bearer(tokens.accessToken),
          });
        }
      }
      return tokens;
    },
    ...camelCaseAuth,
  },
};

/**
 * Baton signing with `alg` (`BATON_ACCESS_ALG`) and its verified-token cache off
 * (`BATON_TOKEN_CACHE=0`), for the protected GET whose every request pays a full signature check:
 * what the algorithm costs. Distinct token strings alone do not defeat the cache: with 16,000
 * strings cycling through its 10,000 entries, 48% of requests still found theirs (counted in the
 * server on 2026-12-04), since a hit does not insert and so leaves the entries behind it in place.
 */
export function batonSigning(alg: Algorithm): Stack {
  return {
    ...baton,
    name: `Baton (${alg}, token cache off)`,
    getOnly: true,
    launch: (port, workDir) => baton.launch(port, workDir, { BATON_ACCESS_ALG: alg, BATON_TOKEN_CACHE: '0' }),
  };
}

export const nestjs: Stack = {
  name: 'NestJS + passport-jwt',
  todosPath: '/todos',
  durableRefresh: false,
  launch: (port) => launchReference('NestJS', 'nestjs/main.js', port),
  auth: {
    async register(baseUrl, account) {
      const body = { email: account.email, password: account.password };
      return pair(await sendJson(`${baseUrl}/auth/register`, { body }), 'accessToken', 'refreshToken');
    },
    ...camelCaseAuth,
  },
};

export const django: Stack = {
  name: 'Django + djoser + simplejwt',
  todosPath: '/todos/',
  durableRefresh: true,
  async launch(port, workDir) {
    const env = { BENCH_DJANGO_DB: join(workDir, 'db.sqlite3'), PYTHONDONTWRITEBYTECODE: '1' };
    await migrateDjango(env);
    return launch({
      name: 'Django',
      command: '/usr/bin/gunicorn',
      // gunicorn.conf.py: 2 sync workers (one per core), and exit if the harness dies.
      args: ['--config', 'gunicorn.conf.py', '--bind', `127.0.0.1:${port}`, 'benchsite.wsgi:application'],
      cwd: DJANGO_PROJECT,
      env,
      healthUrl: `http://127.0.0.1:${port}/healthz/`,
    });
  },
  auth: {
    async register(baseUrl, account) {
      const created = await sendJson(`${baseUrl}/auth/users/`, {
        body: { username: `user${account.index}`, email: account.email, password: account.password },
      });
      if (created.status !== 201)
        throw new Error(`djoser register: ${created.status} ${JSON.stringify(created.body)}`);
      return this.login(baseUrl, account);
    },
    async login(baseUrl, account) {
      const body = { username: `user${account.index}`, password: account.password };
      return pair(await sendJson(`${baseUrl}/auth/jwt/create/`, { body }), 'access', 'refresh');
    },
    async refresh(baseUrl, refreshToken) {
      const response = await sendJson(`${baseUrl}/auth/jwt/refresh/`, { body: { refresh: refreshToken } });
      return response.status === 200 ? pair(response, 'access', 'refresh') : undefined;
    },
  },
};

/** Creates the SQLite schema before gunicorn starts, as a deployment does (not part of start-up time). */
async function migrateDjango(env: Record<string, string>): Promise<void> {
  await promisify(execFile)('/usr/bin/python3', ['manage.py', 'migrate', '--noinput'], {
    cwd: DJANGO_PROJECT,
    env: { ...process.env, ...env },
  });
}

/** The bare `node:http` limit: without auth, or verifying a JWT signed with `alg` on every request. */
export function bare(alg?: Algorithm, publicJwk?: string): Stack {
  return {
    name: alg === undefined ? 'bare node:http' : `bare node:http + ${alg} verify`,
    todosPath: '/todos',
    durableRefresh: false,
    launch: (port) =>
      launchReference(`bare-${alg ?? 'none'}`, 'bare/server.js', port, {
        ...(alg === undefined ? {} : { BARE_ALG: alg, BARE_PUBLIC_JWK: publicJwk ?? '' }),
      }),
  };
}

/**
 * The framework floor: Fastify 5 answering the same todos with the same response schema, and
 * nothing of Baton's (no auth, no hooks, no logger). Not a target; it splits the gap to the bare
 * server into the framework's part and Baton's.
 */
export const fastifyFloor: Stack = {
  name: 'Fastify, same route, nothing else',
  todosPath: '/todos',
  durableRefresh: false,
  launch: (port) => launchReference('fastify-floor', 'fastify/server.js', port),
};

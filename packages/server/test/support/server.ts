import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from '../../src/app.js';
import type { SchemaCompilers } from '../../src/http/schemaCompilers.js';
import { createManualClock, createServer, type ManualClock, type ServerOptions } from '../../src/index.js';

/** A Baton server listening on a free port of 127.0.0.1, on a fresh data directory. */
export interface TestServer {
  readonly url: string;
  readonly clock: ManualClock;
  readonly dataDir: string;
  readonly app: Awaited<ReturnType<typeof createServer>>;
  /** Sends a JSON request and returns the status, headers and parsed body. */
  request(method: string, route: string, options?: RequestOptions): Promise<ApiResponse>;
  /** Stops the server (keeping the data directory). */
  stop(): Promise<void>;
  /** Stops the server and deletes the data directory. */
  close(): Promise<void>;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** Sent as is, instead of JSON-encoding `body`. */
  readonly raw?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  readonly body: any;
}

/**
 * Starts a server; pass `dataDir` (and `clock`) to restart on the data of an earlier one, and
 * `compilers` for other schema compilers than `createServer`'s.
 */
export async function startServer(
  options: ServerOptions & {
    readonly dataDir?: string;
    readonly clock?: ManualClock;
    readonly compilers?: SchemaCompilers;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'baton-test-')));
  const clock = options.clock ?? createManualClock();
  const { compilers, ...serverOptions } = options;
  const withDefaults = { logLevel: false as const, ...serverOptions, dataDir, clock };
  const app = compilers ? await buildServer(withDefaults, compilers) : await createServer(withDefaults);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    url,
    clock,
    dataDir,
    app,
    request: (method, route, requestOptions) => send(url, method, route, requestOptions),
    stop,
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function send(
  base: string,
  method: string,
  route: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (body === undefined && options.body !== undefined) {
    body = JSON.stringify(options.body);
  }
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(new URL(route, base), {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

let counter = 0;

/** A unique email for each call, so tests never collide. */
export function uniqueEmail(prefix = 'user'): string {
  counter++;
  return `${prefix}.${process.pid}.${counter}@example.com`;
}

/** A password that passes the policy. */
export const GOOD_PASSWORD = 'correct horse battery staple';

/** Registers a fresh user and returns the token response. */
export async function registerUser(server: TestServer, email = uniqueEmail()) {
  const response = await server.request('POST', '/auth/register', {
    body: { email, password: GOOD_PASSWORD },
  });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { email, ...response.body } as {
    email: string;
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    refreshExpiresIn: number;
    user: { id: string; email: string };
  };
}

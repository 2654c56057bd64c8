import { AuthError } from '../errors.js';
import type { BackendContext } from './backend.js';

/** Joins `baseUrl` and a path; absolute URLs are kept as they are. */
export function endpoint(context: BackendContext, path: string): string {
  return /^[a-z][a-z\d+.-]*:/i.test(path)
    ? path
    : `${context.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
}

/** A parsed successful answer: its JSON body and the server's clock from the `Date` header. */
export interface JsonAnswer {
  readonly body: Record<string, unknown>;
  readonly serverDate?: number;
}

/**
 * Sends one request and returns the JSON body of a 2xx answer. A non-2xx answer becomes an
 * {@link AuthError} carrying the server's code; network failures propagate as the fetch's own error.
 */
export async function send(
  context: BackendContext,
  path: string,
  init: { method?: string; json?: unknown; form?: Record<string, string>; bearer?: string },
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
  const response = await context.fetch(endpoint(context, path), {
    method: init.method ?? 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
    // Tokens must never be served from or stored in an HTTP cache.
    cache: 'no-store',
  });
  const parsed = await readJson(response);
  if (!response.ok) throw errorFromAnswer(response.status, parsed);
  const date = Date.parse(response.headers.get('date') ?? '');
  return Number.isNaN(date) ? { body: parsed } : { body: parsed, serverDate: date };
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Maps problem+json (`code`), simplejwt (`code`, `detail`) and OAuth 2 (`error`) bodies to one error. */
function errorFromAnswer(status: number, body: Record<string, unknown>): AuthError {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
  const code = text('code') ?? text('error') ?? (status >= 500 ? 'server_error' : `http_${status}`);
  const message =
    text('detail') ?? text('error_description') ?? text('title') ?? `The server answered ${status}.`;
  return new AuthError(code, message, { status });
}

/** Reads a required string field of a token answer. */
export function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') {
    throw new AuthError('invalid_response', `The server's token answer lacks "${key}".`);
  }
  return value;
}

/** Reads an optional number field. */
export function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `{ key: value }` when defined, `{}` otherwise (exactOptionalPropertyTypes forbids `key: undefined`). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

import { type AuthErrorCode, isBatonProblemCode } from '../errorCodes.js';
import { AuthError, NetworkError } from '../errors.js';
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

/** One request of a backend. */
export interface SendInit {
  readonly method?: string;
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly bearer?: string;
  /**
   * The code a 400/401 refusal means for this operation when the server's own code is not one of
   * Baton's (simplejwt's `token_not_valid` on refresh is `invalid_refresh_token`; OAuth 2's
   * `invalid_grant` on login is `invalid_credentials`).
   */
  readonly refusal?: AuthErrorCode;
}

/**
 * Sends one request and returns the JSON body of a 2xx answer. A non-2xx answer becomes an
 * {@link AuthError} carrying the server's code; no answer at all becomes a {@link NetworkError}.
 */
export async function send(context: BackendContext, path: string, init: SendInit): Promise<JsonAnswer> {
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
  let response: Response;
  let parsed: Record<string, unknown>;
  try {
    response = await context.fetch(endpoint(context, path), {
      method: init.method ?? 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
      // Tokens must never be served from or stored in an HTTP cache.
      cache: 'no-store',
    });
    parsed = await readJson(response);
  } catch (error) {
    throw new NetworkError(error);
  }
  const date = Date.parse(response.headers.get('date') ?? '');
  if (!response.ok) {
    const retryAfterMs = retryAfterOf(response.headers.get('retry-after'), date);
    throw errorFromAnswer(response.status, parsed, init.refusal, retryAfterMs);
  }
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

/**
 * Maps problem+json (`code`), simplejwt (`code`, `detail`), Django REST framework field errors
 * (`{ field: [messages] }`) and OAuth 2 (`error`) bodies to one error.
 */
function errorFromAnswer(
  status: number,
  body: Record<string, unknown>,
  refusal: AuthErrorCode | undefined,
  retryAfterMs: number | undefined,
): AuthError {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
  const serverCode = text('code') ?? text('error');
  const fields = fieldErrorsOf(body);
  const message =
    text('detail') ??
    text('error_description') ??
    (fields === undefined ? undefined : describeFields(fields)) ??
    text('title') ??
    `The server refused the request (HTTP ${status}).`;
  return new AuthError(codeOf(status, serverCode, refusal), message, {
    status,
    serverCode,
    fields,
    retryAfterMs,
  });
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) in ms: delay-seconds, or an HTTP-date measured against the
 * answer's own `Date` (`serverDate`, NaN without one), so that this device's clock plays no part.
 * Undefined when absent or unreadable.
 */
export function retryAfterOf(header: string | null, serverDate: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const until = Date.parse(value);
  if (Number.isNaN(until) || Number.isNaN(serverDate)) return undefined;
  return Math.max(0, until - serverDate);
}

function codeOf(status: number, serverCode: string | undefined, refusal: AuthErrorCode | undefined) {
  if (isBatonProblemCode(serverCode)) return serverCode;
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (refusal !== undefined && (status === 400 || status === 401)) return refusal;
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'invalid_token';
  if (status === 404) return 'not_found';
  return 'request_failed';
}

/** `{ "last_name": ["This field is required."] }`: every value a list of strings (DRF's shape). */
function fieldErrorsOf(body: Record<string, unknown>): Record<string, string[]> | undefined {
  const entries = Object.entries(body);
  if (entries.length === 0) return undefined;
  const fields: Record<string, string[]> = {};
  for (const [field, messages] of entries) {
    if (!Array.isArray(messages) || !messages.every((message) => typeof message === 'string'))
      return undefined;
    fields[field] = messages;
  }
  return fields;
}

function describeFields(fields: Record<string, string[]>): string {
  return Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
    .join(' ');
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

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** JSON answers load nothing and may not be framed. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * HTML pages (the served app, Swagger UI) load only from our own origin. Styles may be inline
 * because Ionic and Swagger UI inject them at run time; scripts may not. The app may call Baton
 * and the APIs named in `connectOrigins` (`BATON_APP_CONNECT_ORIGINS`), nothing else.
 */
const pagePolicy = (connectOrigins: readonly string[]) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * helmet's defaults adjusted for an API: HSTS, no sniffing, no referrer, no framing, same-origin
 * isolation. The Content-Security-Policy is ours because it depends on what the response is.
 */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: false,
  crossOriginEmbedderPolicy: false,
  // Bearer-authenticated APIs are called cross-origin by allow-listed apps; CORS decides that.
  crossOriginResourcePolicy: { policy: 'same-site' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
};

/**
 * The headers helmet sets for `options`, computed once. helmet stays the authority on what each
 * header says; running its middleware on every request would only recompute the same constant
 * (and `setHeader` on the raw response, one validated call per header, cost about a sixth of a
 * protected GET in the benchmark's profile).
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let synchronous = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    synchronous = true;
  });
  // helmet's middleware is synchronous; if a future version were not, the headers would be incomplete.
  if (!synchronous) throw new Error('helmet did not finish synchronously');
  return Object.freeze(headers);
}

/**
 * The helmet headers that matter on answers that are not documents (JSON, problem+json, assets),
 * after OWASP's REST Security Cheat Sheet. The others (opener policy, origin-agent clustering, DNS
 * prefetch, the XSS auditor, IE's download prompt, Flash's cross-domain policy files) govern how a
 * browser treats a *document*, so only pages carry them: every header costs validation and bytes
 * on each of the API's answers.
 */
const RESOURCE_HEADERS = [
  'cross-origin-resource-policy',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
];

/** What no cache may keep. */
const PRIVATE = Object.freeze({ 'cache-control': 'no-store' });

/**
 * The same for HTTP/1.0 caches too, on answers to unsafe methods: RFC 6749 §5.1 asks token answers
 * for `Pragma: no-cache`, and every answer that carries a token answers a POST. RFC 9111 §5.4
 * deprecates `Pragma`, so answers to GET and HEAD, which never carry a token, go without: one
 * header fewer for Fastify and Node to store and validate on the busiest answers (about 1,400
 * instructions of a protected GET in those functions under callgrind, `npm run instructions -w
 * @baton/bench`).
 */
const PRIVATE_WITH_PRAGMA = Object.freeze({ ...PRIVATE, pragma: 'no-cache' });

/** Methods whose answers never carry a token. */
const isSafe = (method: string) => method === 'GET' || method === 'HEAD';

/** `headers` restricted to `names` (each of which it must have). */
function pick(headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value === undefined) throw new Error(`helmet no longer sets ${name}`);
    picked[name] = value;
  }
  return picked;
}

/**
 * Security headers on every response Fastify sends: helmet's (see {@link HELMET_OPTIONS}), all of
 * them on pages and those of {@link RESOURCE_HEADERS} on everything else, and a
 * Content-Security-Policy that depends on what the response is. API answers are private by
 * default: `Cache-Control: no-store` unless the route chose its own caching (the JWKS, the
 * discovery document, the app's assets), so no answer that carries a token or a user's data is
 * ever kept by a browser cache or a proxy (RFC 6749 §5.1 for tokens), with `Pragma: no-cache` as
 * well on answers to methods other than GET and HEAD.
 */
export function registerSecurityHeaders(app: FastifyInstance, connectOrigins: readonly string[] = []): void {
  const helmets = helmetHeaders(HELMET_OPTIONS);
  const forPages = Object.freeze({ ...helmets, 'content-security-policy': pagePolicy(connectOrigins) });
  const forResources = Object.freeze({
    ...pick(helmets, RESOURCE_HEADERS),
    'content-security-policy': API_POLICY,
  });
  // A callback hook, not an async one: it runs on every response and has nothing to wait for.
  app.addHook(
    'onSend',
    (
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (error: null, value: unknown) => void,
    ) => {
      if (reply.statusCode === 304) {
        // A 304 refreshes the headers of the browser's cached copy: a policy sent with it would
        // replace the page's own (and an API policy there blanks the app), so it carries none.
        reply.headers(helmets);
      } else {
        const type = reply.getHeader('content-type');
        reply.headers(typeof type === 'string' && type.startsWith('text/html') ? forPages : forResources);
        if (!reply.hasHeader('cache-control'))
          reply.headers(isSafe(request.method) ? PRIVATE : PRIVATE_WITH_PRAGMA);
      }
      done(null, payload);
    },
  );
}

import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** JSON answers load nothing and may not be framed. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * HTML pages (the served app, Swagger UI) load only from our own origin. Styles may be inline
 * because Ionic and Swagger UI inject them at run time; scripts may not.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Security headers on every response, with helmet's defaults adjusted for an API: HSTS, no
 * sniffing, no referrer, no framing, same-origin isolation, and a Content-Security-Policy that
 * depends on what the response is.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    // Bearer-authenticated APIs are called cross-origin by allow-listed apps; CORS decides that.
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // A 304 refreshes the headers of the browser's cached copy: a policy sent with it would
    // replace the page's own (and an API policy there blanks the app), so it carries none.
    if (reply.statusCode === 304) return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('content-security-policy', type.startsWith('text/html') ? PAGE_POLICY : API_POLICY);
    return payload;
  });
}

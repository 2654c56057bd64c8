import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { auth, UnauthorizedError } from 'express-oauth2-jwt-bearer';
import type { ApiConfig } from './config.js';
import { todosRouter } from './todos.js';

/**
 * An Express API whose `/todos` accept Baton access tokens, verified by
 * express-oauth2-jwt-bearer alone: it discovers Baton's JWKS from the RFC 8414 metadata at the
 * issuer URL, picks the key by `kid`, and checks the signature, `iss`, `aud`, `exp` and `typ`.
 */
export function createApp(config: ApiConfig): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (config.corsOrigins.length > 0) {
    app.use(cors({ origin: [...config.corsOrigins], allowedHeaders: ['authorization', 'content-type'] }));
  }
  app.use(express.json({ limit: '16kb' }));
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  const checkJwt = auth({
    issuerBaseURL: config.batonIssuer,
    audience: config.audience,
    // RFC 9068: Baton's access tokens say `typ: at+jwt`; no other JWT passes for one.
    validators: { typ: 'at+jwt' },
    // A token with a kid not in the cached JWKS refetches it at once (the default waits up to
    // 30 s after the last fetch), so a key rotated in Baton verifies on its first token.
    cooldownDuration: 0,
  });
  app.use(
    '/todos',
    checkJwt,
    todosRouter((request) => String(request.auth?.payload.sub)),
  );

  const errors: ErrorRequestHandler = (error, _request, response, _next) => {
    if (error instanceof UnauthorizedError) {
      // Carries `WWW-Authenticate: Bearer ... error="invalid_token"` (RFC 6750).
      response
        .status(error.status)
        .set(error.headers)
        .json({ error: 'invalid_token', message: error.message });
      return;
    }
    const status = typeof error?.status === 'number' && error.status < 500 ? error.status : 500;
    response.status(status).json({ error: status === 500 ? 'server_error' : 'invalid_request' });
  };
  app.use(errors);
  return app;
}

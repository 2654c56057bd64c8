/** The example's settings, from the environment, with the defaults of a local `npm start`. */
export interface ApiConfig {
  readonly port: number;
  /** Baton's issuer URL: the `iss` its tokens carry, and where its JWKS and endpoints are. */
  readonly batonIssuer: string;
  /** The `aud` Baton puts in tokens for this API (`BATON_AUDIENCE` on Baton's side). */
  readonly audience: string;
  /** Browser origins allowed to call this API (the app's origin). */
  readonly corsOrigins: readonly string[];
  /**
   * A credential from `baton clients create`: when set, every request is also introspected
   * (RFC 7662), so a revoked session is refused at once instead of when its token expires.
   */
  readonly introspection: { readonly clientId: string; readonly clientSecret: string } | undefined;
}

export const API_CONFIG = Symbol('API_CONFIG');

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const clientId = env.BATON_CLIENT_ID;
  const clientSecret = env.BATON_CLIENT_SECRET;
  return {
    port: Number(env.PORT ?? 4000),
    batonIssuer: (env.BATON_ISSUER ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
    audience: env.BATON_AUDIENCE ?? 'baton',
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    introspection: clientId && clientSecret ? { clientId, clientSecret } : undefined,
  };
}

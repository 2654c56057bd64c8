/** The example's settings, from the environment, with the defaults of a local `npm start`. */
export interface ApiConfig {
  readonly port: number;
  /** Baton's issuer URL: its `iss`, and where its RFC 8414 metadata and JWKS are found. */
  readonly batonIssuer: string;
  /** The `aud` Baton puts in tokens for this API (`BATON_AUDIENCE` on Baton's side). */
  readonly audience: string;
  /** Browser origins allowed to call this API (the app's origin). */
  readonly corsOrigins: readonly string[];
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return {
    port: Number(env.PORT ?? 4000),
    batonIssuer: env.BATON_ISSUER ?? 'http://127.0.0.1:3000',
    audience: env.BATON_AUDIENCE ?? 'baton',
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
}

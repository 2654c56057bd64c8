import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ApiProcess, startApiProcess } from '../../support/apiProcess.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** How a test runs this API: Baton's issuer and audience, and optionally CORS and introspection. */
export interface NestjsApiOptions {
  readonly batonIssuer: string;
  readonly audience: string;
  readonly corsOrigins?: readonly string[];
  readonly introspection?: { readonly clientId: string; readonly clientSecret: string } | undefined;
}

/** Starts the built example (`npm run build` makes dist/) as a process, the way `npm start` does. */
export function startNestjsApi(options: NestjsApiOptions): Promise<ApiProcess> {
  return startApiProcess(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: (port) => ({
      PORT: String(port),
      BATON_ISSUER: options.batonIssuer,
      BATON_AUDIENCE: options.audience,
      CORS_ORIGINS: (options.corsOrigins ?? []).join(','),
      ...(options.introspection && {
        BATON_CLIENT_ID: options.introspection.clientId,
        BATON_CLIENT_SECRET: options.introspection.clientSecret,
      }),
    }),
  });
}

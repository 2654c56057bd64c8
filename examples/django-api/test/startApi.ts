import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ApiProcess, startApiProcess } from '../../support/apiProcess.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Why the Django stack cannot run here, or undefined when Debian's packages are installed. */
export function whyNoDjango(): string | undefined {
  if (!existsSync('/usr/bin/gunicorn')) return 'gunicorn is not installed';
  try {
    const modules = 'django, rest_framework, rest_framework_simplejwt, jwt, cryptography, corsheaders';
    execFileSync('/usr/bin/python3', ['-c', `import ${modules}`], { stdio: 'ignore' });
    return undefined;
  } catch {
    return "Debian's python3-django, -djangorestframework(-simplejwt), -jwt, -cryptography or -django-cors-headers is missing";
  }
}

/** How a test runs this API. `alg` is simplejwt's ALGORITHM (ES256 or RS256). */
export interface DjangoApiOptions {
  readonly batonIssuer: string;
  readonly audience: string;
  readonly alg: string;
  readonly corsOrigins?: readonly string[];
}

/** Starts the example through `start.sh` (migrate, then gunicorn) on a fresh SQLite directory. */
export async function startDjangoApi(options: DjangoApiOptions): Promise<ApiProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'django-api-'));
  const api = await startApiProcess(path.join(root, 'start.sh'), [], {
    cwd: root,
    env: (port) => ({
      PORT: String(port),
      DATA_DIR: dataDir,
      BATON_ISSUER: options.batonIssuer,
      BATON_AUDIENCE: options.audience,
      BATON_ALG: options.alg,
      CORS_ORIGINS: (options.corsOrigins ?? []).join(','),
    }),
  });
  return {
    ...api,
    async stop() {
      await api.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

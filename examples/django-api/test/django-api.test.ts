import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiProcess } from '../../support/apiProcess.js';
import { AUDIENCE } from '../../support/baton.js';
import { describeResourceServer } from '../../support/resourceServerSuite.js';
import { missingRuntime } from '../../support/runtime.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SUPPORTED = ['ES256', 'RS256'] as const;

/** Why the Django stack cannot run here, or undefined when Debian's packages are installed. */
function whyNoDjango(): string | undefined {
  if (!existsSync('/usr/bin/gunicorn')) return 'gunicorn is not installed';
  try {
    execFileSync(
      '/usr/bin/python3',
      ['-c', 'import django, rest_framework, rest_framework_simplejwt, jwt, cryptography, corsheaders'],
      {
        stdio: 'ignore',
      },
    );
    return undefined;
  } catch {
    return "Debian's python3-django, -djangorestframework(-simplejwt), -jwt, -cryptography or -django-cors-headers is missing";
  }
}

describeResourceServer(
  {
    name: 'Django REST Framework + simplejwt',
    algorithms: SUPPORTED,
    // gunicorn's limit_request_field_size: a longer header line is refused with 400.
    headerLimit: 8190,
    introspects: false,
    async start(baton) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'django-api-'));
      const api = await startApiProcess(path.join(root, 'start.sh'), [], {
        cwd: root,
        env: (port) => ({
          PORT: String(port),
          DATA_DIR: dataDir,
          BATON_ISSUER: baton.url,
          BATON_AUDIENCE: AUDIENCE,
          // simplejwt 5.2 refuses EdDSA as a setting: an EdDSA Baton meets an ES256-configured API.
          BATON_ALG: (SUPPORTED as readonly string[]).includes(baton.alg) ? baton.alg : 'ES256',
        }),
      });
      return {
        ...api,
        async stop() {
          await api.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  missingRuntime(whyNoDjango()),
);

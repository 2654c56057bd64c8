import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiProcess } from '../../support/apiProcess.js';
import { AUDIENCE } from '../../support/baton.js';
import { describeResourceServer } from '../../support/resourceServerSuite.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describeResourceServer(
  {
    name: 'Express + express-oauth2-jwt-bearer',
    algorithms: ['ES256', 'EdDSA', 'RS256'],
    headerLimit: 16 * 1024,
    introspects: false,
    start: (baton) =>
      startApiProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: (port) => ({ PORT: String(port), BATON_ISSUER: baton.url, BATON_AUDIENCE: AUDIENCE }),
      }),
  },
  false,
);

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiProcess } from '../../support/apiProcess.js';
import { AUDIENCE } from '../../support/baton.js';
import { describeResourceServer } from '../../support/resourceServerSuite.js';

// `npm test` builds first (NestJS's injection needs tsc's decorator metadata), then runs dist/.
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describeResourceServer(
  {
    name: 'NestJS + passport-jwt + jwks-rsa',
    algorithms: ['ES256', 'RS256'],
    headerLimit: 16 * 1024,
    introspects: true,
    start: (baton, introspection) =>
      startApiProcess(process.execPath, ['dist/main.js'], {
        cwd: root,
        env: (port) => ({
          PORT: String(port),
          BATON_ISSUER: baton.url,
          BATON_AUDIENCE: AUDIENCE,
          ...(introspection && {
            BATON_CLIENT_ID: introspection.clientId,
            BATON_CLIENT_SECRET: introspection.clientSecret,
          }),
        }),
      }),
  },
  false,
);

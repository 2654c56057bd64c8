import { AUDIENCE } from '../../support/baton.js';
import { describeResourceServer } from '../../support/resourceServerSuite.js';
import { startNestjsApi } from './startApi.mjs';

// `npm test` builds first (NestJS's injection needs tsc's decorator metadata), then runs dist/.
describeResourceServer(
  {
    name: 'NestJS + passport-jwt + jwks-rsa',
    algorithms: ['ES256', 'RS256'],
    headerLimit: 16 * 1024,
    introspects: true,
    start: (baton, introspection) =>
      startNestjsApi({ batonIssuer: baton.url, audience: AUDIENCE, introspection }),
  },
  false,
);

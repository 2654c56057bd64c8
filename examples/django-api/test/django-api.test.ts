import { AUDIENCE } from '../../support/baton.js';
import { describeResourceServer } from '../../support/resourceServerSuite.js';
import { missingRuntime } from '../../support/runtime.js';
import { startDjangoApi, whyNoDjango } from './startApi.js';

const SUPPORTED: readonly string[] = ['ES256', 'RS256'];

describeResourceServer(
  {
    name: 'Django REST Framework + simplejwt',
    algorithms: ['ES256', 'RS256'],
    // gunicorn's limit_request_field_size: a longer header line is refused with 400.
    headerLimit: 8190,
    introspects: false,
    start: (baton) =>
      startDjangoApi({
        batonIssuer: baton.url,
        audience: AUDIENCE,
        // simplejwt 5.2 refuses EdDSA as a setting: an EdDSA Baton meets an ES256-configured API.
        alg: SUPPORTED.includes(baton.alg) ? baton.alg : 'ES256',
      }),
  },
  missingRuntime(whyNoDjango()),
);

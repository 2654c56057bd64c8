import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './lib/http.js';
import { measureLogins } from './lib/login.js';
import { registerAll } from './lib/prepare.js';
import { probeInOwnProcess } from './lib/probeProcess.js';
import { accountFor, BENCH_WORK, baton } from './lib/stacks.js';

mkdirSync(BENCH_WORK, { recursive: true });
const port = await freePort();
const server = await baton.launch(
  port,
  mkdtempSync(join(BENCH_WORK, 'exp-')),
  JSON.parse(process.env.EXP_ENV ?? '{}'),
);
const url = `http://127.0.0.1:${port}`;
const accounts = Array.from({ length: 17 }, (_, i) => accountFor(i));
const pairs = await registerAll(url, baton, accounts);
const token = pairs[0]!.accessToken;
for (let round = 0; round < 3; round++) {
  const quiet = (await probeInOwnProcess(`${url}/todos`, token, 200, 6)).probe;
  const storm = await probeInOwnProcess(`${url}/todos`, token, 200, 6, () =>
    measureLogins(url, baton.auth!, accounts, 4, 6),
  );
  console.log(
    `quiet p50 ${quiet.p50Ms.toFixed(2)} p99 ${quiet.p99Ms.toFixed(2)} | storm p50 ${storm.probe.p50Ms.toFixed(2)} p99 ${storm.probe.p99Ms.toFixed(2)} logins ${storm.alongside?.perSecond.toFixed(1)} ratio ${(storm.probe.p99Ms / quiet.p99Ms).toFixed(2)}`,
  );
}
await server.stop();

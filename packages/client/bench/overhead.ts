/**
 * What `client.fetch` costs on top of the plain `fetch`: sequential GETs to a local node:http
 * server, the same number through each, alternating rounds to even out warm-up and GC.
 *
 *   node --conditions=development --import tsx bench/overhead.ts [requests=5000]
 *
 * Prints microseconds per request for both and the difference, as text and one JSON line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Backend, createAuthClient, memoryStorage } from '../src/index.js';

const requests = Number(process.argv[2] ?? 5000);
const rounds = 5;

const server = http.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(request.headers.authorization ? '{"ok":true}' : '{"ok":false}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/todos`;

// A backend that hands out a long-lived token: the benchmark measures the fetch path, not refreshes.
const now = Math.floor(Date.now() / 1000);
const claims = Buffer.from(JSON.stringify({ sub: 'bench', iat: now, exp: now + 86_400 })).toString(
  'base64url',
);
const grant = { accessToken: `eyJhbGciOiJub25lIn0.${claims}.x`, refreshToken: 'rt', user: null };
const backend: Backend = { login: async () => grant, refresh: async () => grant };
const client = createAuthClient({ baseUrl: new URL(url).origin, backend, storage: memoryStorage() });
await client.login({ email: 'bench@example.com', password: 'bench-password' });

async function run(send: typeof fetch): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < requests; i++) {
    const response = await send(url);
    await response.arrayBuffer();
  }
  return ((performance.now() - start) * 1000) / requests;
}

await run(fetch);
await run(client.fetch);
const plain: number[] = [];
const authed: number[] = [];
for (let round = 0; round < rounds; round++) {
  plain.push(await run(fetch));
  authed.push(await run(client.fetch));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const result = {
  requests: requests * rounds,
  plainFetchMicros: Number(median(plain).toFixed(1)),
  clientFetchMicros: Number(median(authed).toFixed(1)),
  overheadMicros: Number((median(authed) - median(plain)).toFixed(1)),
};
console.log(`plain fetch:  ${result.plainFetchMicros} µs/request`);
console.log(`client.fetch: ${result.clientFetchMicros} µs/request`);
console.log(`overhead:     ${result.overheadMicros} µs/request (median of ${rounds} rounds of ${requests})`);
console.log(JSON.stringify(result));
client.dispose();
server.close();

/**
 * What `client.fetch` costs on top of the plain `fetch`: sequential GETs to a local node:http
 * server, the same number through each, alternating rounds to even out warm-up and GC. The
 * network numbers are noisy on a busy machine, so the client's own work is also measured in
 * isolation, over a `fetch` that answers at once without I/O.
 *
 *   node --conditions=@baton/source --import tsx bench/overhead.ts [requests=5000]
 *
 * Prints microseconds per request for both and the difference, as text and one JSON line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Backend, createAuthClient, memoryStorage } from '../src/index.js';

const requests = Number(process.argv[2] ?? 2000);
const rounds = 15;

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
const signIn = async (send: typeof fetch) => {
  const client = createAuthClient({
    baseUrl: new URL(url).origin,
    backend,
    storage: memoryStorage(),
    fetch: send,
  });
  await client.login({ email: 'bench@example.com', password: 'bench-password' });
  return client;
};
const instant: typeof fetch = async () => new Response(null, { status: 200 });
const networked = await signIn(fetch);
const isolated = await signIn(instant);

async function run(send: typeof fetch, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await send(url);
    await response.arrayBuffer();
  }
  return ((performance.now() - start) * 1000) / count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** Median µs/request of the plain and the authenticating fetch, measured in alternating rounds. */
async function compare(plainFetch: typeof fetch, clientFetch: typeof fetch, count: number) {
  await run(plainFetch, count);
  await run(clientFetch, count);
  const plain: number[] = [];
  const authed: number[] = [];
  for (let round = 0; round < rounds; round++) {
    plain.push(await run(plainFetch, count));
    authed.push(await run(clientFetch, count));
  }
  const round1 = (value: number) => Number(value.toFixed(1));
  return {
    plainFetchMicros: round1(median(plain)),
    clientFetchMicros: round1(median(authed)),
    overheadMicros: round1(median(authed) - median(plain)),
  };
}

const overNetwork = await compare(fetch, networked.fetch, requests);
const inProcess = await compare(instant, isolated.fetch, requests * 10);
for (const [name, result] of [
  ['over local HTTP', overNetwork],
  ['in process (no I/O)', inProcess],
] as const) {
  console.log(`${name}:`);
  console.log(`  plain fetch:  ${result.plainFetchMicros} µs/request`);
  console.log(`  client.fetch: ${result.clientFetchMicros} µs/request`);
  console.log(`  overhead:     ${result.overheadMicros} µs/request`);
}
console.log(`(median of ${rounds} alternating rounds)`);
console.log(JSON.stringify({ requestsPerRound: requests, rounds, overNetwork, inProcess }));
networked.dispose();
isolated.dispose();
server.close();

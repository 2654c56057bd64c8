import { Agent, createServer, request } from 'node:http';

/** One keep-alive agent for every request the harness itself makes (setup, chains, probes). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Sends a JSON request (from the loopback source address `from`, if given) and reads a JSON
 * answer (or `undefined` for an empty or non-JSON body).
 */
export function sendJson(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; from?: string } = {},
): Promise<JsonResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent,
        ...(options.from ? { localAddress: options.from } : {}),
        headers: {
          accept: 'application/json',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The status of a GET, or 0 when nothing answers (used to poll a starting server). */
export async function getStatus(url: string): Promise<number> {
  try {
    return (await sendJson(url)).status;
  } catch {
    return 0;
  }
}

/** Reads a string field of a JSON object answer, or throws with the answer for context. */
export function field(response: JsonResponse, name: string): string {
  const value = (response.body as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string') {
    throw new Error(`expected a "${name}" string, got ${response.status} ${JSON.stringify(response.body)}`);
  }
  return value;
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

import net from 'node:net';

/** One HTTP/1.1 answer read off a raw socket. */
export interface RawResponse {
  readonly status: number;
  /** Header values by lower-cased name. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** A request written byte for byte: nothing is validated, encoded or normalised on the way out. */
export interface RawRequest {
  readonly method: string;
  /** The request target exactly as it goes on the wire (no percent-encoding, no `..` folding). */
  readonly target: string;
  /** Sent in this order; duplicates stay duplicates; a Buffer value goes out as its bytes. */
  readonly headers?: ReadonlyArray<readonly [string, string | Buffer]>;
  readonly body?: string | Buffer;
}

/**
 * Sends `request` to `baseUrl` over a fresh TCP connection and reads the whole answer. `fetch`
 * and `node:http` refuse header values with control bytes, encode paths and fold `..`; a fuzzer
 * must get past all of that to test what the server does with the bytes themselves.
 */
export function sendRaw(baseUrl: string, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines: Buffer[] = [Buffer.from(`${request.method} ${request.target} HTTP/1.1\r\n`, 'latin1')];
  const header = (name: string, value: string | Buffer) =>
    lines.push(Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n')]));
  header('host', `${hostname}:${port}`);
  header('connection', 'close');
  for (const [name, value] of request.headers ?? []) header(name, value);
  if (body) header('content-length', String(body.length));
  lines.push(Buffer.from('\r\n'));
  if (body) lines.push(body);

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer and close before it has read the whole request (a 413, a parser
    // error): what it answered counts, not the reset that follows.
    let failure: Error | undefined;
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      if (chunks.length === 0) return reject(failure ?? new Error('connection closed without an answer'));
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
    // No half-close after writing: Node's server aborts a request whose client has sent FIN
    // (httpAllowHalfOpen is off), so `end()` would lose the answer of any slow handler.
    socket.write(Buffer.concat(lines));
  });
}

function parseResponse(raw: Buffer): RawResponse {
  // Interim answers (100 Continue) precede the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 16).toString('latin1'))) {
    raw = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete answer: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine = '', ...fieldLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP answer: ${JSON.stringify(statusLine)}`);
  const headers = new Map<string, string>();
  for (const line of fieldLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  let payload = raw.subarray(end + 4);
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) payload = dechunk(payload);
  return { status, headers, body: payload.toString('utf8') };
}

function dechunk(payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < payload.length) {
    const lineEnd = payload.indexOf('\r\n', offset);
    const size = Number.parseInt(payload.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(payload.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

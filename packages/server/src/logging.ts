import { hostname } from 'node:os';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { type DestinationStream, pino } from 'pino';
import type { ServerConfig } from './config.js';
import type { OnAnswered } from './http/answered.js';
import { PerTurnLines } from './perTurnLines.js';

/** Log paths that must never reach a log line: credentials and tokens. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'currentPassword',
  'newPassword',
  'refreshToken',
  'accessToken',
  'token',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
];

/**
 * The request as a log line shows it. The query string is replaced, never logged: a client that
 * puts a token in a URL (`?access_token=`, a reset link) must not have it copied into the logs.
 */
function requestForLog(request: FastifyRequest) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The server's loggers: pino for everything, and the line each answered request ends with. */
export interface Loggers {
  /** pino, redacting the paths of {@link REDACTED} from whatever a line carries. */
  readonly app: FastifyBaseLogger;
  /** Writes the request line of an answered request; `undefined` above info level. */
  readonly requestLine: OnAnswered | undefined;
  /** Writes the lines still waiting for the end of this turn (the server is closing). */
  close(): void;
}

const QUIETER_THAN_INFO: ReadonlySet<string> = new Set(['warn', 'error', 'fatal', 'silent']);

/**
 * pino writing to `stream`, else to standard output: readable lines (pino-pretty, in this thread:
 * no transport worker) when the format asks for them or, on `auto`, when standard output is a
 * terminal; JSON lines otherwise, the lines of each turn of the event loop written together
 * ({@link PerTurnLines}).
 *
 * At info level every answered request gets one line: the request line (method, path with the
 * query redacted, host, client address), the status and the time taken. Fastify's own request
 * logging (off: the app's `LogController`) wrote two lines per request through the redacting
 * logger, which halved a protected GET's throughput in the bench. The request line's fields are
 * built here, never copied from the request, so it needs no redaction; as JSON it is serialised
 * by {@link jsonRequestLine} in pino's line format (pino-pretty reads it like any other line), 4 µs
 * a request cheaper than pino's general path.
 */
export async function createLoggers(
  level: string,
  format: ServerConfig['logFormat'],
  stream?: { write(line: string): void },
): Promise<Loggers> {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const batched = stream || pretty ? undefined : new PerTurnLines(pino.destination({ dest: 1, sync: true }));
  const destination: DestinationStream = stream ?? batched ?? (await prettyLines());
  const app = pino(
    { level, redact: { paths: REDACTED, censor: '[redacted]' }, serializers: { req: requestForLog } },
    destination,
  );
  // pino-pretty reads JSON lines, so the one request-line writer serves both formats.
  const requestLine = QUIETER_THAN_INFO.has(level) ? undefined : jsonRequestLine(destination);
  return { app, requestLine, close: () => batched?.end() };
}

/**
 * The request line as pino writes a line at info level (`level`, `time`, `pid`, `hostname`, then
 * the fields and `msg`), so a log shipper reads it like every other line. Every string goes through
 * `JSON.stringify`; the fields of {@link requestForLog} are written one by one, which skips
 * `JSON.stringify`'s walk of an object (about 1,000 instructions a line under callgrind).
 */
function jsonRequestLine(destination: { write(line: string): unknown }): OnAnswered {
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  return (request: FastifyRequest, reply: FastifyReply) => {
    const { method, url, host, remoteAddress, remotePort } = requestForLog(request);
    // Left out when unknown (a socket already gone), as JSON.stringify of the whole object did.
    const address = remoteAddress === undefined ? '' : `,"remoteAddress":${JSON.stringify(remoteAddress)}`;
    const port = remotePort === undefined ? '' : `,"remotePort":${remotePort}`;
    destination.write(
      `{"level":30,"time":${Date.now()}${base},"reqId":${JSON.stringify(request.id)},"req":{"method":${JSON.stringify(method)},"url":${JSON.stringify(url)},"host":${JSON.stringify(host)}${address}${port}},"res":{"statusCode":${reply.statusCode}},"responseTime":${millisecondsJson(reply.elapsedTime)},"msg":"request completed"}\n`,
    );
  };
}

/**
 * `ms` as a JSON number rounded to the microsecond (`0.457`), or `null` if it is not finite. Printed
 * from whole numbers: V8 prints a fraction such as 0.45712399482727051 with its shortest-digits
 * algorithm (about 1,000 instructions a line under callgrind), small integers from a cache.
 */
export function millisecondsJson(ms: number): string {
  if (!Number.isFinite(ms)) return 'null';
  // Beyond this the arithmetic below loses the fraction (or overflows); any finite number's own
  // text is valid JSON.
  if (Math.abs(ms) >= 1e12) return String(ms);
  const micros = Math.round(Math.abs(ms) * 1000);
  const whole = Math.floor(micros / 1000);
  const fraction = micros - whole * 1000;
  const sign = ms < 0 && micros > 0 ? '-' : '';
  if (fraction === 0) return `${sign}${whole}`;
  const padding = fraction < 10 ? '00' : fraction < 100 ? '0' : '';
  return `${sign}${whole}.${padding}${fraction}`;
}

/**
 * pino-pretty, loaded only when lines are for people: JSON-only servers do without its memory.
 * Written synchronously: pino-pretty's default hands each line to the thread pool, where a line can
 * overtake the one before it while the pool is busy (argon2 and file I/O share it), and a line
 * still there when the process exits after a SIGTERM can be lost.
 */
async function prettyLines(): Promise<DestinationStream> {
  const { default: pinoPretty } = await import('pino-pretty');
  return pinoPretty({
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,reqId',
    singleLine: true,
    sync: true,
  });
}

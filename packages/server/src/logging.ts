import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { ServerConfig } from './config.js';

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

/** The server's loggers: one for everything, one for the line each request ends with. */
export interface Loggers {
  /** Redacts the paths of {@link REDACTED} from whatever a line carries. */
  readonly app: FastifyBaseLogger;
  /**
   * Writes only the request lines of {@link logRequests}, whose fields are built here and hold no
   * secret: it skips redaction, which on every request cost a third of a protected GET.
   */
  readonly requests: Logger;
}

/**
 * pino writing to `stream`, else to standard output: readable lines (pino-pretty, in this thread:
 * no transport worker) when the format asks for them or, on `auto`, when standard output is a
 * terminal; JSON lines otherwise.
 */
export async function createLoggers(
  level: string,
  format: ServerConfig['logFormat'],
  stream?: { write(line: string): void },
): Promise<Loggers> {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const destination: DestinationStream = stream ?? (pretty ? await prettyLines() : pino.destination(1));
  return {
    app: pino(
      { level, redact: { paths: REDACTED, censor: '[redacted]' }, serializers: { req: requestForLog } },
      destination,
    ),
    requests: pino({ level }, destination),
  };
}

/** pino-pretty, loaded only when lines are for people: JSON-only servers do without its memory. */
async function prettyLines(): Promise<DestinationStream> {
  const { default: pinoPretty } = await import('pino-pretty');
  return pinoPretty({ translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId', singleLine: true });
}

const QUIETER_THAN_INFO: ReadonlySet<string> = new Set(['warn', 'error', 'fatal', 'silent']);

/**
 * One info line per answered request: the request line (method, path with the query redacted,
 * host, client address), the status and the time taken. Fastify's own request logging (off, see
 * `disableRequestLogging`) wrote two lines per request, through the redacting logger; at info
 * level that halved the throughput of a protected GET in the bench. Nothing is added when the
 * level is above info.
 */
export function logRequests(app: FastifyInstance, requests: Logger): void {
  if (QUIETER_THAN_INFO.has(requests.level)) return;
  app.addHook('onResponse', (request, reply, done) => {
    requests.info(
      {
        reqId: request.id,
        req: requestForLog(request),
        res: { statusCode: reply.statusCode },
        responseTime: reply.elapsedTime,
      },
      'request completed',
    );
    done();
  });
}

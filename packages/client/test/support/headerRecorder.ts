import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A foreign origin: a node:http server on 127.0.0.1 that records the headers of every request. */
export interface HeaderRecorder {
  readonly url: string;
  readonly requests: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startHeaderRecorder(): Promise<HeaderRecorder> {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.headers);
    request.resume();
    // Answer 401 so that a client that wrongly treats this origin as its own would try to refresh.
    response.writeHead(401, { 'content-type': 'text/plain' }).end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { Agent, get } from 'node:http';

/**
 * Sends exactly `count` GETs of `url` over `connections` keep-alive connections, each sending its
 * next request when its answer has ended, and resolves once all are answered. Rejects on the first
 * answer other than 200 or a connection error: a count of instructions per request means nothing
 * if some requests were refused.
 */
export async function getExactly(
  url: string,
  count: number,
  connections: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  try {
    const connection = async () => {
      while (sent < count) {
        sent++;
        await new Promise<void>((resolve, reject) => {
          get(url, { agent, headers }, (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`GET ${url} answered ${res.statusCode}`)),
            );
            res.on('error', reject);
          }).on('error', reject);
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(connections, count) }, connection));
  } finally {
    agent.destroy();
  }
}

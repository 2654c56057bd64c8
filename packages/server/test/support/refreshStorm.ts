/**
 * Load for the crash test: many refresh-token chains rotating at once, plus todo writers, each
 * remembering exactly what the server acknowledged, so that a kill -9 can be judged afterwards.
 */

/** One session's refresh-token chain, as its client knows it. */
export interface Chain {
  readonly userIndex: number;
  readonly sessionId: string;
  /** The refresh token of the last 2xx answer: the one the client holds. */
  answered: string;
  /** The token of a refresh sent but not answered (yet, or ever): always `answered` at that time. */
  inFlight: string | undefined;
  /** How many rotations of this chain were answered 2xx. */
  rotations: number;
}

/** A todo the server answered 201 for. */
export interface AcknowledgedTodo {
  readonly userIndex: number;
  readonly id: string;
  readonly title: string;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
export type Json = any;

/** One JSON request; throws only when the connection fails (as it does once the server is killed). */
export async function call(
  base: string,
  method: string,
  route: string,
  options: { readonly body?: unknown; readonly token?: string } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(route, base), {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Runs `task` over `items` with at most `concurrency` at a time, keeping the order of results. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** What a storm saw before the server went away. */
export interface StormOutcome {
  /** Rotations answered 2xx. */
  acknowledged: number;
  /** Answers that were neither 2xx nor a lost connection: each one is a bug before any crash. */
  readonly refusals: string[];
}

/**
 * Rotates every chain in a loop, `concurrency` requests at a time, until requests start failing
 * (the server was killed). `onAcknowledged` sees the running count after each 2xx rotation.
 */
export async function refreshStorm(
  base: string,
  chains: readonly Chain[],
  concurrency: number,
  onAcknowledged: (count: number) => void,
): Promise<StormOutcome> {
  const outcome: StormOutcome = { acknowledged: 0, refusals: [] };
  const worker = async (offset: number) => {
    const own = chains.filter((_, index) => index % concurrency === offset);
    for (let round = 0; ; round++) {
      const chain = own[round % own.length];
      if (!chain) return;
      chain.inFlight = chain.answered;
      let answer: { status: number; body: Json };
      try {
        answer = await call(base, 'POST', '/auth/refresh', { body: { refreshToken: chain.answered } });
      } catch (error) {
        // The server is gone. Refused: the request never left, so nothing is in flight. Reset or
        // cut short: it may have been committed, and the token stays in flight.
        if (refused(error)) chain.inFlight = undefined;
        return;
      }
      if (answer.status !== 200) {
        outcome.refusals.push(`session ${chain.sessionId}: ${answer.status} ${JSON.stringify(answer.body)}`);
        return;
      }
      chain.answered = answer.body.refreshToken;
      chain.inFlight = undefined;
      chain.rotations++;
      outcome.acknowledged++;
      onAcknowledged(outcome.acknowledged);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, offset) => worker(offset)));
  return outcome;
}

/**
 * Creates todos for the users in turn until requests fail, recording each one answered 201.
 * `tokens[i]` is an access token of user `i`.
 */
export async function todoWriters(
  base: string,
  tokens: readonly string[],
  writers: number,
  acknowledged: AcknowledgedTodo[],
): Promise<string[]> {
  const refusals: string[] = [];
  let sequence = 0;
  const writer = async () => {
    for (;;) {
      const number = sequence++;
      const userIndex = number % tokens.length;
      const title = `storm todo ${number}`;
      let answer: { status: number; body: Json };
      try {
        answer = await call(base, 'POST', '/todos', { token: tokens[userIndex] ?? '', body: { title } });
      } catch {
        return;
      }
      if (answer.status !== 201) {
        refusals.push(`todo ${number}: ${answer.status} ${JSON.stringify(answer.body)}`);
        return;
      }
      acknowledged.push({ userIndex, id: answer.body.id, title });
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return refusals;
}

/** True when fetch failed because nothing was listening: the request never reached a server. */
function refused(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

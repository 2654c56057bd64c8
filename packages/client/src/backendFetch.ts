import { deadline, type Timers } from './timers.js';

/** Statuses whose answer has no body (a `Response` made with one throws). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

/**
 * The fetch the backends talk to the auth server with: a request that sets no signal of its own
 * gives up after `timeoutMs`, body included, since a hung request would hold the cross-tab lock
 * and every request waiting for a refresh forever. The answer (a small JSON document) is read
 * here, within the deadline, and the deadline's timer is cleared as soon as it is: left armed, one
 * timer per request would outlive it and keep a Node process alive for `timeoutMs`.
 */
export function backendFetch(
  fetch: typeof globalThis.fetch,
  timeoutMs: number,
  timers: Timers,
): typeof globalThis.fetch {
  return async (input, init) => {
    if (init?.signal) return fetch(input, init);
    const limit = deadline(timeoutMs, timers);
    try {
      const response = await fetch(input, { ...init, signal: limit.signal });
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } finally {
      limit.clear();
    }
  };
}

/** One label set of `baton_http_requests_total` and how many answers it gained since the last flush. */
interface Tally {
  readonly labels: { readonly method: string; readonly route: string; readonly status: string };
  count: number;
}

/** The map `outer` holds at `key`, created empty on first use. */
function inner<K, V extends Map<unknown, unknown>>(outer: Map<K, V>, key: K): V {
  let found = outer.get(key);
  if (found === undefined) {
    found = new Map() as V;
    outer.set(key, found);
  }
  return found;
}

/**
 * Counts answered requests in plain maps and hands the counts to prom-client only when metrics
 * are scraped. prom-client's `inc(labels)` hashes the label object on every call, which cost
 * about a tenth of a cached protected GET; counting here costs three map lookups. They are keyed
 * by the route pattern, the method and the status as they come (strings the router and the HTTP
 * parser reuse, whose hashes V8 keeps, and a small integer): a key built per answer
 * (`GET 200 /todos`) was a new string to convert, join and hash every time.
 */
export class RequestTally {
  readonly #byRoute = new Map<string, Map<string, Map<number, Tally>>>();

  /** Counts one answer. `route` is the route pattern (`/todos/:id`), never the raw URL. */
  count(method: string, route: string, status: number): void {
    const byStatus = inner(inner(this.#byRoute, route), method);
    const tally = byStatus.get(status);
    if (tally) tally.count += 1;
    else byStatus.set(status, { labels: { method, route, status: String(status) }, count: 1 });
  }

  /** Passes every count gained since the last flush to `add`, and starts again from zero. */
  flush(add: (labels: Tally['labels'], count: number) => void): void {
    for (const byMethod of this.#byRoute.values()) {
      for (const byStatus of byMethod.values()) {
        for (const tally of byStatus.values()) {
          if (tally.count === 0) continue;
          add(tally.labels, tally.count);
          tally.count = 0;
        }
      }
    }
  }
}

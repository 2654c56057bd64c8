import { executionAsyncResource } from 'node:async_hooks';

/** One of Node's own tick objects, kept for the life of the process. */
let keptTickObject: object | undefined;

/**
 * Keeps `process.nextTick` on V8's fast path after the process's first full garbage collection.
 *
 * Node (20, V8 11.3) builds each tick object from a literal whose first keys are computed
 * (`{ [async_id_symbol]: id, [trigger_async_id_symbol]: trigger, callback, args }`). V8 takes the
 * object's first map from a weakly held per-context cache. When a full collection runs while no
 * tick object is alive, as it does between bursts, that map is collected; the next tick objects
 * get a new one, the literal's feedback sees two chains of maps and turns megamorphic, and from then
 * on every `nextTick` defines its properties through V8's runtime (`DefineKeyedOwnPropertyInLiteral`,
 * map transitions). Node's streams call `nextTick` about six times per HTTP request, so after
 * the first full collection (in Baton, the one that follows the first mail composed) a protected
 * GET took 2-5 µs more CPU: 27.3-30.6 µs instead of 24.5-25.8 µs in four A/B rounds, 6-19% more
 * requests per second with this call.
 *
 * Holding one tick object holds its map and, through the map's back pointers, the whole chain, so
 * the cached map is never collected and the feedback stays monomorphic. The cost is one small
 * object. Calling it again does nothing. On a Node whose tick objects differ, it only keeps an object.
 */
export function keepTickObjectShape(): void {
  if (keptTickObject !== undefined) return;
  keptTickObject = {};
  process.nextTick(() => {
    // While a tick's callback runs, its execution resource is the tick object itself.
    keptTickObject = executionAsyncResource();
  });
}

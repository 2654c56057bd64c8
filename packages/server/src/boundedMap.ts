/**
 * Sets `key` to `value` in `map`, first dropping the least recently inserted entry when the map
 * already holds `capacity` entries (a Map iterates in insertion order). With a capacity of 0 or
 * less nothing is kept. The memory of the in-process caches (verified tokens, todo lists).
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  if (capacity <= 0) return;
  if (map.size >= capacity) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}

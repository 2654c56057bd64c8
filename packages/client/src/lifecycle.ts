/**
 * Calls `onResume` when the page becomes visible again or the network comes back: timers do not
 * run in a suspended tab or a backgrounded mobile webview, so the token may have expired meanwhile.
 * Returns a function that removes the listeners. Capacitor apps also call `client.resume()` from
 * `App.addListener('resume', ...)`.
 */
export function watchResume(onResume: () => void): () => void {
  const target = globalThis as Partial<Pick<EventTarget, 'addEventListener' | 'removeEventListener'>>;
  const doc = globalThis.document as Document | undefined;
  const onVisibility = () => {
    if (doc?.visibilityState === 'visible') onResume();
  };
  doc?.addEventListener?.('visibilitychange', onVisibility);
  if (typeof target.addEventListener === 'function') target.addEventListener('online', onResume);
  return () => {
    doc?.removeEventListener?.('visibilitychange', onVisibility);
    if (typeof target.removeEventListener === 'function') target.removeEventListener('online', onResume);
  };
}

/** A single re-armable timer that never keeps a Node process alive. */
export function createTimer(): { set(delayMs: number, task: () => void): void; clear(): void } {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const clear = () => {
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
  };
  return {
    set(delayMs, task) {
      clear();
      // setTimeout overflows (fires at once) beyond 2^31-1 ms.
      handle = setTimeout(task, Math.min(Math.max(0, delayMs), 2_147_483_647));
      (handle as { unref?: () => void }).unref?.();
    },
    clear,
  };
}

/** The parts of a browser window that tell when an app comes back. */
export interface ResumeSignals {
  /** Fires `online` (the window). */
  readonly window?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | undefined;
  /** Fires `visibilitychange` and tells `visibilityState` (the document). */
  readonly document?:
    | (Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & {
        readonly visibilityState?: string;
      })
    | undefined;
}

/** The current page's window and document, where there are any. */
export function pageSignals(): ResumeSignals {
  const target = globalThis as Partial<Pick<EventTarget, 'addEventListener' | 'removeEventListener'>>;
  return {
    window: typeof target.addEventListener === 'function' ? (target as EventTarget) : undefined,
    document: globalThis.document,
  };
}

/**
 * Calls `onResume` when the page becomes visible again or the network comes back: timers do not
 * run in a suspended tab or a backgrounded mobile webview, so the token may have expired meanwhile.
 * Returns a function that removes the listeners. Capacitor apps also call `client.resume()` from
 * `App.addListener('resume', ...)`.
 */
export function watchResume(onResume: () => void, signals: ResumeSignals = pageSignals()): () => void {
  const { window, document } = signals;
  const onVisibility = () => {
    if (document?.visibilityState === 'visible') onResume();
  };
  document?.addEventListener('visibilitychange', onVisibility);
  window?.addEventListener('online', onResume);
  return () => {
    document?.removeEventListener('visibilitychange', onVisibility);
    window?.removeEventListener('online', onResume);
  };
}

import { DestroyRef, inject, provideEnvironmentInitializer } from '@angular/core';
import { BATON_CLIENT } from '@baton/angular';
import { App } from '@capacitor/app';

/**
 * Calls `client.resume()` when Capacitor says the app came back to the foreground: a backgrounded
 * webview runs no timers, so the access token may have expired meanwhile. (In a browser tab the
 * client already listens to `visibilitychange`; on devices this is the reliable signal.)
 */
export function provideNativeResume() {
  return provideEnvironmentInitializer(() => {
    const client = inject(BATON_CLIENT);
    const listener = App.addListener('resume', () => {
      void client.resume();
    });
    inject(DestroyRef).onDestroy(() => void listener.then((handle) => handle.remove()));
  });
}

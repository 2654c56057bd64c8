import type { CapacitorConfig } from '@capacitor/cli';

/**
 * The native shells (iOS, Android) around the built app in `www/`. See README.md, "Native
 * builds", for the steps; none runs in this repository's CI.
 */
const config: CapacitorConfig = {
  appId: 'dev.baton.todos',
  appName: 'Baton',
  webDir: 'www',
  // The API is a different origin in the native shells: point the client's baseUrl at it
  // (src/app/app.config.ts) and list the shells' origins in BATON_CORS_ORIGINS:
  // capacitor://localhost (iOS) and https://localhost (Android).
  server: { androidScheme: 'https' },
};

export default config;

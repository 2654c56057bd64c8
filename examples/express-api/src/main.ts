import { createApp } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const server = createApp(config).listen(config.port, '127.0.0.1', () => {
  console.log(`express-api listening on http://127.0.0.1:${config.port} (Baton at ${config.batonIssuer})`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { BearerChallengeFilter } from './auth/bearer.filter';
import { configFromEnv } from './config';

async function bootstrap(): Promise<void> {
  const config = configFromEnv();
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: [...config.corsOrigins], allowedHeaders: ['authorization', 'content-type'] });
  }
  app.useGlobalFilters(new BearerChallengeFilter());
  app.enableShutdownHooks();
  await app.listen(config.port, '127.0.0.1');
  console.log(`nestjs-api listening on http://127.0.0.1:${config.port} (Baton at ${config.batonIssuer})`);
}

void bootstrap();

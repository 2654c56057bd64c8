/**
 * Generates `src/app/data/api.generated.ts`, the app's types of the server's API, from the
 * OpenAPI document of the server itself (`createServer()`, never listening), with
 * openapi-typescript. `test/apiTypes.test.ts` regenerates and fails on any difference, so a change
 * of the server's schemas that the app has not taken in fails the build.
 *
 *   npm run api-types -w @baton/ionic-app
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '@baton/server';
import openapiTS, { astToString } from 'openapi-typescript';

export const GENERATED = fileURLToPath(new URL('../src/app/data/api.generated.ts', import.meta.url));

const HEADER = `/**
 * The server's API as TypeScript types, generated from its OpenAPI document by
 * apps/ionic/scripts/api-types.ts (openapi-typescript). Do not edit: run
 * \`npm run api-types -w @baton/ionic-app\` after changing a route's schema.
 */
/* biome-ignore-all format: generated */
/* biome-ignore-all lint: generated */
`;

/** The text of the generated file for the server as it is now. */
export async function generateApiTypes(): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-openapi-'));
  try {
    const app = await createServer({ dataDir, logLevel: false });
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    await app.close();
    // biome-ignore lint/suspicious/noExplicitAny: fastify-swagger's document type and openapi-typescript's differ in detail
    return HEADER + astToString(await openapiTS(document as any));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(GENERATED, await generateApiTypes());
  console.log(`wrote ${path.relative(process.cwd(), GENERATED)}`);
}

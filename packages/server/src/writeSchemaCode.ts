/**
 * `node dist/writeSchemaCode.js` (part of `npm run build`, and `baton schema-code` after an
 * install that resolved other compiler versions): starts the server once per set of
 * routes it can have, with compilers that record the code they generate, and writes that code to
 * `dist/schema-code.json`, where `createServer` finds it (see http/schemaCode.ts).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from './app.js';
import type { ServerOptions } from './config.js';
import { findGenerators, SCHEMA_CODE_FILE, type SchemaCode } from './http/schemaCode.js';
import { type RecordedCode, recordingCompilers } from './http/schemaCompilers.js';

/** Every route a configuration can add: the default set, and the optional `/metrics` route. */
const ROUTE_SETS: readonly ServerOptions[] = [{}, { metrics: 'api' }];

/** Records the code of every schema the routes of `ROUTE_SETS` have. */
export async function generateSchemaCode(): Promise<SchemaCode> {
  const recorded: RecordedCode = { validators: {}, serializers: {} };
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-schema-code-'));
  try {
    for (const options of ROUTE_SETS) {
      const app = await buildServer({ dataDir, logLevel: false, ...options }, recordingCompilers(recorded));
      await app.ready();
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { generators: findGenerators().versions, ...recorded };
}

/** Generates the code and stores it where `createServer` looks; returns how many schemas it holds. */
export async function writeSchemaCode(): Promise<number> {
  const code = await generateSchemaCode();
  // Written aside and renamed into place: a server starting meanwhile reads the old file or the
  // new one, never half of one.
  const written = new URL(`${SCHEMA_CODE_FILE.href}.${process.pid}.tmp`);
  writeFileSync(written, `${JSON.stringify(code)}\n`);
  renameSync(written, SCHEMA_CODE_FILE);
  return Object.keys(code.validators).length + Object.keys(code.serializers).length;
}

// Silent, as tsc is: `npm pack --json` prints the build's output into its JSON. Only as this very
// file: in the bundle (scripts/bundle.ts) this code shares a file with others, and may not run
// because one of those is the command being run.
const self = fileURLToPath(import.meta.url);
if (process.argv[1] === self && basename(self) === 'writeSchemaCode.js') await writeSchemaCode();

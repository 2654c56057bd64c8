import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_WORK, REPO_ROOT } from './stacks.js';

const exec = promisify(execFile);

/** Compiles the bare and NestJS references (tsc: NestJS's DI needs `emitDecoratorMetadata`). */
export async function buildReferences(): Promise<void> {
  await exec(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'bench/references/tsconfig.json'],
    {
      cwd: REPO_ROOT,
    },
  );
  // bench/ is an ES module package; the compiled references are CommonJS, as NestJS expects.
  writeFileSync(join(BENCH_WORK, 'references', 'package.json'), '{ "type": "commonjs" }\n');
}

/** Builds `@baton/server` the way a user does; throws with tsc's first complaints when it fails. */
export async function buildBaton(): Promise<void> {
  try {
    await exec('npm', ['run', 'build', '-w', '@baton/server'], { cwd: REPO_ROOT });
  } catch (error) {
    const out = typeof error === 'object' && error !== null && 'stdout' in error ? String(error.stdout) : '';
    const complaints = out.split('\n').filter((line) => line.includes('error TS'));
    throw new Error(
      `npm run build -w @baton/server failed: ${complaints.slice(0, 2).join(' ') || 'see its output'}`,
    );
  }
}

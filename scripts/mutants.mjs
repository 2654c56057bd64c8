#!/usr/bin/env node
/**
 * Breaks the code on purpose, one promise at a time, and runs the tests that should notice.
 * Each mutant is applied in a scratch copy of the working tree (hard-linked node_modules), so the
 * checkout is never touched. Prints one line per mutant, `caught` or `NOT CAUGHT`, and exits 1 if
 * any was not caught.
 *
 *   node scripts/mutants.mjs            every mutant
 *   node scripts/mutants.mjs grace ttl  the mutants whose name contains one of the words
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutants/list.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const chosen = MUTANTS.filter(
  (mutant) => wanted.length === 0 || wanted.some((word) => mutant.name.includes(word)),
);

/** A copy of the working tree (tracked and untracked files, as they are now) with node_modules hard-linked. */
function scratchCopy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-mutant-'));
  spawnSync(
    'sh',
    ['-c', `git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "${dir}"`],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(dir, 'node_modules')]);
  return dir;
}

// A mutant whose line has changed would mutate nothing: say so before running any of them.
const stale = chosen.filter(
  (mutant) => !readFileSync(path.join(root, mutant.file), 'utf8').includes(mutant.find),
);
for (const mutant of stale)
  console.error(`${mutant.name}: '${mutant.find}' is not in ${mutant.file} any more`);
if (stale.length > 0) process.exit(1);

let missed = 0;
for (const mutant of chosen) {
  const dir = scratchCopy();
  try {
    const file = path.join(dir, mutant.file);
    const source = readFileSync(file, 'utf8');
    if (!source.includes(mutant.find))
      throw new Error(`${mutant.name}: '${mutant.find}' is not in ${mutant.file} any more`);
    writeFileSync(file, source.replace(mutant.find, mutant.replace));
    const run = spawnSync(
      process.execPath,
      ['--conditions=@baton/source', '--import', 'tsx', '--test', '--test-timeout=120000', ...mutant.tests],
      {
        cwd: path.join(dir, mutant.cwd ?? 'packages/server'),
        encoding: 'utf8',
        env: { ...process.env, CI: '' },
      },
    );
    const caught = run.status !== 0;
    if (!caught) missed++;
    console.log(`${caught ? 'caught    ' : 'NOT CAUGHT'}  ${mutant.name}  (${mutant.tests.join(', ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`${chosen.length - missed} of ${chosen.length} mutants caught`);
process.exit(missed === 0 ? 0 : 1);

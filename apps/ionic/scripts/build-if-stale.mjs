#!/usr/bin/env node
/**
 * Builds the app into `www/` when it is missing or older than any source it is built from (the
 * app, @baton/angular, @baton/client), so `npm start` and the browser tests always serve the
 * current code without paying for a rebuild every time. Plain JavaScript: runs before anything
 * is compiled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(app, '../..');
const index = path.join(app, 'www', 'index.html');
const sources = [
  path.join(app, 'src'),
  path.join(app, 'angular.json'),
  path.join(app, 'tsconfig.app.json'),
  path.join(app, 'package.json'),
  path.join(root, 'packages/angular/src'),
  path.join(root, 'packages/client/src'),
];

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

const newestSource = Math.max(...sources.map(newestMtime));
if (existsSync(index) && statSync(index).mtimeMs >= newestSource) {
  console.log('apps/ionic/www is up to date');
} else {
  const started = performance.now();
  execFileSync('npx', ['ng', 'build'], { cwd: app, stdio: 'inherit' });
  console.log(`built apps/ionic/www in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

#!/usr/bin/env node
/**
 * `baton`: runs the bundled command (`dist/bundle/cli.js`, a faster start) or, when the bundle is
 * missing, out of date with the installed libraries or turned off, `dist/cli.js`. See bundled.ts.
 */
import { chooseEntry } from './bundled.js';

const entry = chooseEntry(
  new URL('./bundle/', import.meta.url),
  new URL('./cli.js', import.meta.url),
  process.env.BATON_BUNDLE,
);
if (entry.notice) console.error(`baton: ${entry.notice}`);
await import(entry.module.href);

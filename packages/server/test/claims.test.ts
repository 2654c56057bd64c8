import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The documents whose claims name the tests that prove them. */
const DOCUMENTS = ['SECURITY.md', 'packages/server/README.md', 'docs/deploy.md', 'docs/resource-servers.md'];

/**
 * Every test a document names, as `` `file.test.ts` "title", "title" ``: a bare file name is
 * under `packages/server/test/`, a path is from the repository's root (also a shared suite's
 * file: `.../test/support/*.ts`, `.../conformance/*.ts`, `examples/support/*.ts`). Titles are
 * quoted with double quotes (a `\"` inside one is a quote), may wrap across lines, and may end in
 * ` ...` to name a title by its beginning.
 */
function citations(text: string): Array<{ readonly file: string; readonly title: string }> {
  const found: Array<{ file: string; title: string }> = [];
  let file: string | undefined;
  for (const match of text.matchAll(
    /`([\w./-]+\.test\.m?ts|(?:[\w./-]+\/)?(?:test\/support|conformance|examples\/support)\/[\w.-]+\.m?ts)`|"((?:[^"\\]|\\.)+?)"|\n(?=\s*(?:\n|[-|#*]|\d+\.))/g,
  )) {
    if (match[0] === '\n')
      file = undefined; // a new paragraph, list item or table row
    else if (match[1] !== undefined)
      file = match[1].includes('/') ? match[1] : `packages/server/test/${match[1]}`;
    else if (file !== undefined && match[2] !== undefined)
      found.push({
        file,
        title: match[2]
          .replaceAll('\\"', '"')
          .replace(/\s*\n\s*/g, ' ')
          .replace(/ \.\.\.$/, ''),
      });
  }
  return found;
}

describe('claims name tests that exist', () => {
  for (const document of DOCUMENTS) {
    it(`every test ${document} names is in the file it names`, () => {
      const cited = citations(readFileSync(path.join(ROOT, document), 'utf8'));
      assert.ok(cited.length > 3, `${document} names tests`);
      const missing = cited.filter(({ file, title }) => {
        const full = path.join(ROOT, file);
        if (!existsSync(full)) return true;
        return !readFileSync(full, 'utf8').includes(title.replaceAll('\\', ''));
      });
      assert.deepEqual(missing, [], 'named tests that do not exist (renamed, removed, or a wrong file)');
    });
  }
});

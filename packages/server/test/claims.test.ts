import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The documents whose claims name the tests that prove them, each with the package its citations
 * are relative to: a bare file name is in `<package>/test/`, `test/...` is from the package, any
 * other path from the repository's root.
 */
const DOCUMENTS = [
  { document: 'SECURITY.md', base: 'packages/server' },
  { document: 'packages/server/README.md', base: 'packages/server' },
  { document: 'docs/deploy.md', base: 'packages/server' },
  { document: 'docs/resource-servers.md', base: 'packages/server' },
  { document: 'packages/client/README.md', base: 'packages/client' },
  { document: 'packages/angular/README.md', base: 'packages/angular' },
  { document: 'apps/ionic/README.md', base: 'e2e' },
  { document: 'e2e/README.md', base: 'e2e' },
];

/**
 * Every test a document names, as `` `file.test.ts` "title", "title" ``: a bare file name is
 * under `packages/server/test/`, a path is from the repository's root (also a shared suite's
 * file: `.../test/support/*.ts`, `.../conformance/*.ts`, `examples/support/*.ts`). Titles are
 * quoted with double quotes (a `\"` inside one is a quote), may wrap across lines, and may end in
 * ` ...` to name a title by its beginning.
 */
function citations(text: string, base: string): Array<{ readonly file: string; readonly title?: string }> {
  const found: Array<{ file: string; title?: string }> = [];
  let file: string | undefined;
  for (const match of text.matchAll(
    /`([\w./-]+\.test\.m?ts|(?:[\w./-]+\/)?(?:test\/support|conformance|examples\/support)\/[\w.-]+\.m?ts)`|(?<![\w`./-])([\w./-]*[\w-]\.test\.m?ts)(?![\w`])|"((?:[^"\\]|\\.)+?)"|\n(?=\s*(?:\n|[-|#*]|\d+\.))/g,
  )) {
    if (match[0] === '\n')
      file = undefined; // a new paragraph, list item or table row
    else if (match[1] !== undefined || match[2] !== undefined) {
      const named = (match[1] ?? match[2])!;
      file = !named.includes('/')
        ? `${base}/test/${named}`
        : named.startsWith('test/')
          ? `${base}/${named}`
          : named;
      // A file named without titles is a citation too: it must exist.
      found.push({ file });
    } else if (file !== undefined && match[3] !== undefined)
      found.push({
        file,
        title: match[3]
          .replaceAll('\\"', '"')
          .replace(/\s*\n\s*/g, ' ')
          .replace(/ ?\.\.\.$/, ''),
      });
  }
  return found;
}

describe('claims name tests that exist', () => {
  for (const { document, base } of DOCUMENTS) {
    it(`every test ${document} names is in the file it names`, () => {
      // Code examples name the reader's files (`my-store.test.ts`), not ours.
      const prose = readFileSync(path.join(ROOT, document), 'utf8').replace(/```[\s\S]*?```/g, '');
      const cited = citations(prose, base);
      assert.ok(cited.length > 3, `${document} names tests`);
      const missing = cited.filter(({ file, title }) => {
        const full = path.join(ROOT, file);
        if (!existsSync(full)) return true;
        return title !== undefined && !readFileSync(full, 'utf8').includes(title.replaceAll('\\', ''));
      });
      assert.deepEqual(missing, [], 'named tests that do not exist (renamed, removed, or a wrong file)');
    });
  }
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { GENERATED, generateApiTypes } from '../scripts/api-types.js';

test("the app's API types are those of the server's OpenAPI document (npm run api-types -w @baton/ionic-app)", async () => {
  const committed = await readFile(GENERATED, 'utf8');
  assert.equal(
    committed,
    await generateApiTypes(),
    'the server changed: run npm run api-types -w @baton/ionic-app',
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROBLEMS, type ProblemCode } from '@baton/server';
import {
  type AuthErrorCode,
  BATON_PROBLEM_CODES,
  type BatonProblemCode,
  type ClientErrorCode,
} from '../src/index.js';

/** Compiles only when A and B are the same union: drift between client and server fails `npm run typecheck`. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const serverAndClientAgree: Same<BatonProblemCode, ProblemCode> = true;
const codesAreTheUnion: Same<AuthErrorCode, ProblemCode | ClientErrorCode> = true;

test("the client's error codes are exactly the server's problem codes plus its own", () => {
  assert.ok(serverAndClientAgree && codesAreTheUnion);
  assert.deepEqual([...BATON_PROBLEM_CODES].sort(), Object.keys(PROBLEMS).sort());
});

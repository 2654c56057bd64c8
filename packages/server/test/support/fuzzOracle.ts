import assert from 'node:assert/strict';
import { PROBLEMS } from '../../src/errors.js';

/** What the oracle needs to know about one answer, whichever transport carried it. */
export interface ObservedAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Signs that internals leaked: a stack frame, a source path, a dependency path. */
const LEAK = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\/work\/|\.ts:\d+:\d+|file:\/\//;

/** RFC 6749 §5.2 error codes the `/oauth/*` endpoints answer with (and RFC 8628's `slow_down`). */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'slow_down',
]);

/** Counts what the fuzzer sent and saw, for the summary line of the closing note. */
export class FuzzLedger {
  requests = 0;
  serverErrors = 0;
  forgeries = 0;
  acceptedForgeries = 0;
  /** How often each status was answered: shows the runs got past validation into the handlers. */
  readonly statuses = new Map<number, number>();

  /**
   * Asserts the fuzz property for one answer: never a 5xx, never a leaked stack, and every error
   * is problem+json whose `code` is one of Baton's and whose `status` matches the status line
   * (or, with `oauth`, an RFC 6749 §5.2 JSON body with a known `error`).
   */
  check(label: string, answer: ObservedAnswer, method = 'GET', oauth = false): void {
    this.requests++;
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status >= 500) this.serverErrors++;
    const context = `${label} -> ${answer.status} ${answer.body.slice(0, 300)}`;
    assert.ok(answer.status < 500, `5xx: ${context}`);
    assert.doesNotMatch(answer.body, LEAK, `internals leaked: ${context}`);
    if (answer.status < 400 || method === 'HEAD') return;
    if (oauth && !answer.contentType.startsWith('application/problem+json')) {
      assert.match(answer.contentType, /^application\/json/, `not JSON: ${context}`);
      const error = (JSON.parse(answer.body) as { error?: unknown }).error;
      assert.ok(typeof error === 'string' && OAUTH_ERRORS.has(error), `unknown OAuth error: ${context}`);
      return;
    }
    assert.match(answer.contentType, /^application\/problem\+json/, `not problem+json: ${context}`);
    const body = JSON.parse(answer.body) as { code?: unknown; status?: unknown; stack?: unknown };
    assert.ok(typeof body.code === 'string' && body.code in PROBLEMS, `unknown code: ${context}`);
    assert.equal(body.status, answer.status, `status mismatch: ${context}`);
    assert.equal(body.stack, undefined, `stack field: ${context}`);
  }

  /** The line the closing note quotes. */
  summary(): string {
    const statuses = [...this.statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}:${count}`)
      .join(' ');
    return (
      `fuzz: ${this.requests} requests, ${this.forgeries} forgeries tried, ` +
      `${this.acceptedForgeries} accepted, ${this.serverErrors} 5xx (statuses ${statuses})`
    );
  }
}

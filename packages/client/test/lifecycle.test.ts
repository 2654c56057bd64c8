import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchResume } from '../src/lifecycle.js';

test('resume is signalled when the page becomes visible or the network comes back, until unwatched', () => {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
  let resumes = 0;
  const unwatch = watchResume(() => (resumes += 1), { window, document });
  document.dispatchEvent(new Event('visibilitychange'));
  assert.equal(resumes, 0, 'hidden is not a resume');
  document.visibilityState = 'visible';
  document.dispatchEvent(new Event('visibilitychange'));
  assert.equal(resumes, 1);
  window.dispatchEvent(new Event('online'));
  assert.equal(resumes, 2);
  unwatch();
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new Event('online'));
  assert.equal(resumes, 2);
});

import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * An `onRequest` hook that sets `Cache-Control: no-store` (and HTTP/1.0's `Pragma: no-cache`):
 * answers that carry tokens (RFC 6749 §5.1) or a user's own data must never be kept by a
 * browser cache or a proxy, where the next user of a shared machine would find them. A callback
 * hook: it has nothing to wait for, and it runs on the hot protected GET.
 */
export function noStore(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
  done();
}

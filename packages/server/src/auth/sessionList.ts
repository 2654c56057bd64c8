import type { AuthDeps } from './context.js';

/** The sessions list as the API shows it. */
export interface SessionView {
  readonly id: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly current: boolean;
}

export async function listSessions(
  deps: AuthDeps,
  userId: string,
  currentSessionId: string,
): Promise<SessionView[]> {
  const sessions = await deps.store.listActiveSessions(userId, deps.clock.now());
  const iso = (ms: number) => new Date(ms).toISOString();
  return sessions.map((session) => ({
    id: session.id,
    createdAt: iso(session.createdAt),
    lastUsedAt: iso(session.lastUsedAt),
    expiresAt: iso(Math.min(session.idleExpiresAt, session.expiresAt)),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  }));
}

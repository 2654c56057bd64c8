import { randomUUID } from 'node:crypto';
import type { BackgroundWork } from '../background.js';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { Mailer } from '../mail/mailer.js';
import type { AuditEvent, AuditKind, Store, UserRecord } from '../store/store.js';
import type { AccessTokenService } from '../tokens/access.js';
import type { Authenticate } from './authenticate.js';
import type { DeviceTokens } from './deviceTokens.js';
import type { SessionGate } from './sessionGate.js';
import type { Throttle } from './throttle.js';

/** Where a request came from, recorded on sessions and audit events. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * What every domain operation needs, also outside a request: the command line builds this much
 * (an operator creating an account or ending someone's sessions goes through the same code as the
 * API). `sessions` is there only inside the server, whose session gate must hear of revocations.
 */
export interface CoreDeps {
  readonly store: Store;
  readonly config: ServerConfig;
  readonly clock: Clock;
  /** Admits bearer requests of live sessions only; told about every revocation. */
  readonly sessions?: SessionGate;
  /** Observes domain events (metrics); optional. */
  readonly observe?: (event: AuthObservation) => void;
}

/** Where an operator's actions come from: the command line, no address. */
export const OPERATOR: RequestMeta = { ip: null, userAgent: 'baton-cli' };

/** What the request-serving domain services need, injected by the app factory (and by tests). */
export interface AuthDeps extends CoreDeps {
  readonly accessTokens: AccessTokenService;
  /** Who a bearer token speaks for (bearer routes). */
  readonly authenticate: Authenticate;
  readonly throttle: Throttle;
  readonly sessions: SessionGate;
  /** Issues and checks the device tokens of clients that signed in before. */
  readonly devices: DeviceTokens;
  /** Queues account mail (reset, verification, email change). */
  readonly mailer: Mailer;
  /** Work a request starts without waiting for it (see `requestPasswordReset`). */
  readonly background: BackgroundWork;
}

export type AuthObservation =
  | { readonly kind: 'login'; readonly ok: boolean }
  | { readonly kind: 'refresh'; readonly outcome: 'rotated' | 'grace' | 'reuse' | 'rejected' }
  /** A consumed token presented again within the grace window by another client (treated as reuse). */
  | { readonly kind: 'grace_foreign_client' }
  | { readonly kind: 'password_hash'; readonly seconds: number };

/** The user as the API shows it. */
export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  /** Whether the owner proved they read mail at `email`. */
  readonly emailVerified: boolean;
  readonly createdAt: string;
}

export function publicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

/** An audit event stamped with the current time and request origin, to write. */
export function auditEvent(
  deps: Pick<CoreDeps, 'clock'>,
  kind: AuditKind,
  meta: RequestMeta,
  subject: { readonly userId?: string | null; readonly sessionId?: string | null },
  detail: Record<string, string | number | boolean | null> | null = null,
): AuditEvent {
  return {
    id: randomUUID(),
    at: deps.clock.now(),
    kind,
    userId: subject.userId ?? null,
    sessionId: subject.sessionId ?? null,
    ip: meta.ip,
    userAgent: meta.userAgent,
    detail,
  };
}

/** Writes an audit event stamped with the current time and request origin. */
export function audit(
  deps: Pick<CoreDeps, 'store' | 'clock'>,
  kind: AuditKind,
  meta: RequestMeta,
  subject: { readonly userId?: string | null; readonly sessionId?: string | null },
  detail: Record<string, string | number | boolean | null> | null = null,
): Promise<void> {
  return deps.store.appendAudit(auditEvent(deps, kind, meta, subject, detail));
}

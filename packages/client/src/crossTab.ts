import type { SignOutReason } from './events.js';
import { createRotationMarks, noRotationMarks, type RotationMarks } from './rotationMarks.js';
import { decodeState, type SessionState } from './session.js';
import type { TokenStorage } from './storage/storage.js';
import { createTabLock, platformLocks } from './tabLock.js';
import type { Timers } from './timers.js';

/**
 * What one tab tells the others. A sign-out names the refresh token of the session it ended, so
 * that a tab holding that session's successor (a refresh answered after the sign-out) revokes it;
 * an older version's names none. Either ends the session of every tab.
 */
export type TabMessage =
  | { readonly type: 'session'; readonly state: SessionState }
  | {
      readonly type: 'signed-out';
      readonly reason: SignOutReason;
      readonly refreshToken?: string;
      /**
       * Read from storage, not told: without BroadcastChannel a removal is all a tab sees, and a
       * tab whose write storage refused removes the session too (see sessionWriter.ts).
       */
      readonly inferred?: true;
    };

/**
 * Coordination between tabs (and windows, workers) of one origin that share a session.
 * Without cross-tab support every method degrades to the single-tab behaviour.
 */
export interface TabChannel {
  /** Runs `task` while holding the origin-wide refresh lock (see {@link createTabLock}). */
  withLock<T>(task: () => Promise<T>): Promise<T>;
  /** Tells the other tabs; never delivered back to this tab. */
  publish(message: TabMessage): void;
  /** Which refresh tokens a tab has rotated, readable by every tab at once. */
  readonly rotations: Pick<RotationMarks, 'mark' | 'isMarked'>;
  close(): void;
}

interface TabChannelOptions {
  readonly name: string;
  readonly enabled: boolean;
  readonly storage: TokenStorage;
  readonly storageKey: string;
  readonly lockTimeoutMs: number;
  readonly timers: Timers;
  readonly onMessage: (message: TabMessage) => void;
}

/**
 * Opens the channel: `BroadcastChannel` where it exists, else the storage's own change events
 * (`storage` events of `localStorage`), else nothing.
 */
export function openTabChannel(options: TabChannelOptions): TabChannel {
  if (!options.enabled) {
    return {
      withLock: (task) => task(),
      publish: () => {},
      rotations: noRotationMarks,
      close: () => {},
    };
  }
  const locks = platformLocks();
  const withLock = createTabLock({
    name: options.name,
    locks,
    timeoutMs: options.lockTimeoutMs,
    timers: options.timers,
  });
  // A waiting tab gets the news, or gives up on it, within the lock timeout: marks last as long.
  const rotations = createRotationMarks({
    prefix: options.name,
    locks,
    holdMs: options.lockTimeoutMs,
    timers: options.timers,
  });

  if (typeof globalThis.BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(options.name);
    // In Node a channel keeps the process alive; a client should not.
    (channel as { unref?: () => void }).unref?.();
    channel.onmessage = (event: MessageEvent) => {
      const message = tabMessageOf(event.data);
      if (message !== null) options.onMessage(message);
    };
    let closed = false;
    return {
      withLock,
      // A refresh on the wire when the client is disposed still ends and stores its session (the
      // other tabs read it there); posting to the closed channel would throw at its callers.
      publish: (message) => {
        if (!closed) channel.postMessage(message);
      },
      rotations,
      close: () => {
        closed = true;
        channel.close();
        rotations.close();
      },
    };
  }

  const unwatch = options.storage.watch?.(options.storageKey, (value, previous) => {
    const state = decodeState(value);
    if (state !== null) return options.onMessage({ type: 'session', state });
    // A removal ends the session that was stored, which the storage names where it can.
    const ended = previous == null ? null : decodeState(previous);
    options.onMessage({
      type: 'signed-out',
      reason: 'logout',
      inferred: true,
      ...(ended === null ? {} : { refreshToken: ended.session.refreshToken }),
    });
  });
  return {
    withLock,
    publish: () => {},
    rotations,
    close: () => {
      unwatch?.();
      rotations.close();
    },
  };
}

/** The message another tab posted, checked (null when it is not one of ours). */
function tabMessageOf(value: unknown): TabMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { type, reason, state, refreshToken } = value as Record<string, unknown>;
  if (type === 'signed-out') {
    if (typeof reason !== 'string') return null;
    return {
      type,
      reason: reason as SignOutReason,
      ...(typeof refreshToken === 'string' ? { refreshToken } : {}),
    };
  }
  if (type !== 'session' || typeof state !== 'object' || state === null) return null;
  const decoded = decodeState(JSON.stringify({ v: 1, ...state }));
  return decoded === null ? null : { type, state: decoded };
}

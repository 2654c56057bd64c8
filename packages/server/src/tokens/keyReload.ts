import { decodeProtectedHeader } from 'jose';
import { ProblemError } from '../errors.js';
import { type AccessClaims, AccessTokenService, type AccessTokenServiceOptions } from './access.js';
import type { KeyRing } from './keys.js';

export interface KeyReloadOptions {
  /** How often to re-read the key source, in ms. Default 30 s: shorter than the 60 s leeway a retired key stays published beyond the token lifetime. */
  readonly intervalMs?: number;
  /** Least time between two reloads caused by unknown `kid`s, in ms, so forged tokens cannot hammer the database. Default 5 s. */
  readonly minGapMs?: number;
  /** Called when a reload fails (the ring keeps its previous keys). */
  readonly onError?: (error: unknown) => void;
}

/** Keeps a {@link KeyRing} in step with a key source that other instances (or `baton keys rotate`) write to. */
export interface KeyReloader {
  /**
   * For a `kid` the ring does not know: reloads unless an on-demand reload ran recently. True
   * only when this made `kid` known (false when it was known already: nothing new to try).
   */
  reloadFor(kid: string): Promise<boolean>;
  /** Stops the periodic reload. */
  close(): void;
}

/**
 * Reloads `keys` every `intervalMs` (the timer is unref'd, so it never keeps a process alive) and
 * on demand for a token signed with a `kid` this instance has not seen, which happens for a few
 * seconds after another instance rotated. On-demand reloads share one in-flight promise and are
 * spaced by `minGapMs`.
 */
export function startKeyReload(keys: KeyRing, options: KeyReloadOptions = {}): KeyReloader {
  const minGapMs = options.minGapMs ?? 5000;
  let inFlight: Promise<void> | undefined;
  let lastOnDemand = Number.NEGATIVE_INFINITY;
  const reload = (): Promise<void> => {
    inFlight ??= keys
      .reload()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const timer = setInterval(() => void reload(), options.intervalMs ?? 30_000);
  timer.unref();
  return {
    async reloadFor(kid) {
      if (keys.verificationKey(kid)) return false;
      const now = performance.now();
      if (!inFlight && now - lastOnDemand < minGapMs) return false;
      lastOnDemand = now;
      await reload();
      return keys.verificationKey(kid) !== undefined;
    },
    close() {
      clearInterval(timer);
    },
  };
}

/**
 * An {@link AccessTokenService} that, before refusing a token whose `kid` it does not know,
 * asks the {@link KeyReloader} to pick up keys another instance may have just added.
 */
export class ReloadingAccessTokenService extends AccessTokenService {
  constructor(
    options: AccessTokenServiceOptions,
    private readonly reloader: KeyReloader,
  ) {
    super(options);
  }

  override async verify(token: string): Promise<AccessClaims> {
    try {
      return await super.verify(token);
    } catch (error) {
      if (!(error instanceof ProblemError) || error.code !== 'invalid_token') throw error;
      const kid = kidOf(token);
      if (kid === undefined || !(await this.reloader.reloadFor(kid))) throw error;
      return super.verify(token);
    }
  }
}

function kidOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

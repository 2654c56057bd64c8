import type { AuthApi, TokenPair } from './stacks.js';
import { loopFor } from './stats.js';

export interface RefreshResult {
  readonly chains: number;
  /** Successful (2xx) rotations per second. */
  readonly perSecond: number;
  readonly ok: number;
  readonly failed: number;
}

/**
 * Refresh chains: each chain presents its newest refresh token and keeps the successor, as a
 * client does; `pairs.length` chains run at once. A failed rotation ends nothing: the chain keeps
 * its token and tries again (a refusal is counted, never a success). `onPair` sees every new pair.
 */
export async function runRefreshChains(
  baseUrl: string,
  api: AuthApi,
  pairs: TokenPair[],
  seconds: number,
  onPair?: (pair: TokenPair) => void,
): Promise<RefreshResult> {
  const current = pairs.map((pair) => pair.refreshToken);
  const step = async (chain: number) => {
    const next = await api.refresh(baseUrl, current[chain]!);
    if (!next) return false;
    current[chain] = next.refreshToken;
    onPair?.(next);
    return true;
  };
  await loopFor(1, pairs.length, step);
  const { ok, failed, perSecond } = await loopFor(seconds, pairs.length, step);
  return { chains: pairs.length, perSecond, ok, failed };
}

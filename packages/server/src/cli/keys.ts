import { audit, OPERATOR } from '../auth/context.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../tokens/keys.js';
import { openKeyRing } from '../tokens/openKeyRing.js';
import { type Command, parseCommand, stdout, UsageError, withStore } from './command.js';

const HELP = `Usage: baton keys <rotate|list> [--alg ES256|EdDSA|RS256] [--json]

  rotate   Add a new signing key. It signs new access tokens at once on this store; running
           instances pick it up within 30 s (or at the first token they cannot verify). The old
           key stays in the JWKS until every token it signed has expired.
           --alg picks the new key's algorithm (default: the active key's). Set BATON_ACCESS_ALG
           to the same value for 'baton serve', or its next start rotates back.
  list     Show every key: kid, algorithm, created, retired, and whether it is still published.

Keys live where 'baton serve' keeps them: in the database (sealed with BATON_SECRET) on
PostgreSQL, in BATON_KEYS_FILE if set, else in signing-keys.json under BATON_DATA_DIR.`;

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function algorithmFlag(value: string | boolean | undefined): SigningAlgorithm | undefined {
  if (value === undefined) return undefined;
  const alg = SIGNING_ALGORITHMS.find((known) => known === value);
  if (!alg) throw new UsageError(`--alg expects one of ${SIGNING_ALGORITHMS.join(', ')}`);
  return alg;
}

/** `baton keys ...`: signing key rotation. */
export const keys: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return stdout.line(HELP);
  if (sub !== 'rotate' && sub !== 'list') throw new UsageError(`unknown keys command '${sub}'\n\n${HELP}`);
  const values = parseCommand(rest, { json: { type: 'boolean' }, alg: { type: 'string' } }, HELP);
  if (!values) return;
  const alg = algorithmFlag(values.alg);
  if (alg && sub !== 'rotate') throw new UsageError('--alg applies to rotate only');
  await withStore(async (deps) => {
    // Operator commands never rotate by themselves: only `rotate` changes the keys.
    const ring = await openKeyRing(deps.config, deps.store, { adoptAlgorithm: false });
    if (sub === 'rotate') {
      const key = await ring.rotate(alg);
      await audit(deps, 'keys_rotated', OPERATOR, {}, { kid: key.kid, alg: key.alg });
      return stdout.line(
        values.json
          ? JSON.stringify({ kid: key.kid, alg: key.alg })
          : `new signing key ${key.kid} (${key.alg})`,
      );
    }
    const described = ring.describe();
    if (values.json) return stdout.line(JSON.stringify(described));
    for (const key of described) {
      const state = key.retiredAt === null ? 'active' : key.published ? 'retired, published' : 'retired';
      stdout.line(
        `${key.kid}  ${key.alg}  created ${iso(key.createdAt)}  retired ${iso(key.retiredAt)}  ${state}`,
      );
    }
  });
};

import { ProblemError } from '../errors.js';
import type { UserRecord } from '../store/store.js';
import { checkCurrentPassword, liveAccount } from './accounts.js';
import {
  type AuthDeps,
  audit,
  type CoreDeps,
  type PublicUser,
  publicUser,
  type RequestMeta,
} from './context.js';
import { normaliseName } from './names.js';

/** Changes the signed-in user's display name (`null` or empty removes it). */
export async function updateProfile(
  deps: AuthDeps,
  userId: string,
  input: { readonly name: string | null },
  meta: RequestMeta,
): Promise<PublicUser> {
  const name = normaliseName(input.name);
  await liveAccount(deps, userId);
  const updated = await deps.store.updateUserName(userId, name);
  if (!updated) throw new ProblemError('invalid_token', 'the account no longer exists');
  await audit(deps, 'profile_updated', meta, { userId });
  return publicUser(updated);
}

/** Deletes the signed-in user's account after re-checking the password. */
export async function deleteOwnAccount(
  deps: AuthDeps,
  userId: string,
  input: { readonly password: string },
  meta: RequestMeta,
): Promise<void> {
  const user = await liveAccount(deps, userId);
  await checkCurrentPassword(deps, user, input.password, meta);
  await deleteAccount(deps, user);
}

/**
 * Deletes an account and everything of it: sessions (ended at once), refresh and one-time
 * tokens, todos, queued mail. The audit trail keeps its events with the address and user agent
 * erased, and one `account_deleted` event that holds no personal data: no email, name, address or
 * user agent, only the account's random id. Shared by `DELETE /auth/me` and `baton users delete`.
 */
export async function deleteAccount(deps: CoreDeps, user: UserRecord): Promise<boolean> {
  const deleted = await deps.store.deleteUser(user.id);
  deps.sessions?.forget();
  if (deleted) await audit(deps, 'account_deleted', { ip: null, userAgent: null }, { userId: user.id });
  return deleted;
}

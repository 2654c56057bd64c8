import { ProblemError } from '../errors.js';

/** The longest display name, in characters. */
export const NAME_MAX_LENGTH = 100;

/**
 * A display name as stored: trimmed, `null` when empty. Control characters (CR and LF could start
 * a mail header, escapes would reach terminals reading the audit log) and format characters
 * (invisible, bidi overrides) are refused here, in the domain, so the command line cannot store
 * what the API's schema refuses.
 */
export function normaliseName(name: string | null | undefined): string | null {
  const trimmed = name?.trim() ?? '';
  if (trimmed === '') return null;
  if (/[\p{Cc}\p{Cf}]/u.test(trimmed))
    throw new ProblemError(
      'invalid_request',
      'The name contains control or invisible characters. Remove them.',
    );
  if ([...trimmed].length > NAME_MAX_LENGTH)
    throw new ProblemError('invalid_request', `The name is too long: at most ${NAME_MAX_LENGTH} characters.`);
  return trimmed;
}

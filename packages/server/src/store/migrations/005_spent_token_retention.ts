import type { Migration } from './index.js';

/**
 * Spent refresh tokens are kept for reuse detection, but not forever: every rotation leaves one
 * behind, and without an end the table grows by one row per refresh for the life of the
 * deployment. This partial index holds only spent tokens, by when they were spent, so the hourly
 * retention sweep finds the old ones without reading the table.
 */
const index = `
CREATE INDEX refresh_tokens_spent ON refresh_tokens (used_at) WHERE used_at IS NOT NULL;
`;

export const spentTokenRetention: Migration = {
  version: 5,
  name: 'spent_token_retention',
  sqlite: index,
  postgres: index,
};

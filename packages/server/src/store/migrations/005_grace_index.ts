import type { Migration } from './index.js';

/**
 * The sweep that forgets sealed successors after their grace window runs every minute on every
 * instance. Without an index it read every refresh token ever issued; this partial index holds only
 * the few tokens still inside their window, so the sweep reads those and nothing else.
 */
const index = `
CREATE INDEX refresh_tokens_in_grace ON refresh_tokens (used_at) WHERE successor_box IS NOT NULL;
`;

export const graceIndex: Migration = {
  version: 5,
  name: 'grace_index',
  sqlite: index,
  postgres: index,
};

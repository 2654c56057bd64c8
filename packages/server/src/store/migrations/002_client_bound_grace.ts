import type { Migration } from './index.js';

/**
 * Random refresh-token successors. Until now a successor was an HMAC of the presented token under
 * a secret kept in the database, so a copy of the database plus any spent token yielded the live
 * one offline. Now successors are random; during the grace window the consumed token's row keeps
 * its successor sealed under a key derived from the consumed token itself (and who consumed it,
 * so that only the same client may replay it), and both are dropped when the window ends.
 */
const sql = `
ALTER TABLE refresh_tokens ADD COLUMN consumed_by TEXT;
ALTER TABLE refresh_tokens ADD COLUMN successor_box TEXT;
CREATE INDEX refresh_tokens_grace ON refresh_tokens (used_at) WHERE successor_box IS NOT NULL;
DELETE FROM secrets WHERE name = 'refresh-rotation';
`;

export const clientBoundGrace: Migration = {
  version: 2,
  name: 'client_bound_grace',
  sqlite: sql,
  postgres: sql,
};

import type { Migration } from './index.js';

/**
 * Resource servers allowed to call token introspection (RFC 7662). Only a SHA-256 digest of each
 * client's secret is kept: the secret is 256 random bits, so a fast hash leaks nothing.
 */
const table = (bigint: string) => `
CREATE TABLE resource_clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at ${bigint} NOT NULL
);
`;

export const resourceClients: Migration = {
  version: 3,
  name: 'resource_clients',
  sqlite: table('INTEGER'),
  postgres: table('BIGINT'),
};

import { baton } from './cli.js';

/** A resource-server credential, as `baton clients create --json` prints it. */
export interface ResourceClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Registers a resource server with `baton clients create` against `env`'s store (e.g. `BATON_DATA_DIR`). */
export async function createResourceClientWithCli(
  env: Record<string, string>,
  name = 'test-api',
): Promise<ResourceClient> {
  const run = await baton(['clients', 'create', '--name', name, '--json'], env);
  if (run.code !== 0) throw new Error(`baton clients create failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as ResourceClient;
}

/** The `Authorization` header of `client_secret_basic` (RFC 6749 §2.3.1: each half form-encoded). */
export function basicAuthorization(client: ResourceClient): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')}`;
}

import { audit, OPERATOR } from '../auth/context.js';
import { createResourceClient } from '../auth/resourceClients.js';
import { type Command, parseCommand, required, stdout, UsageError, withStore } from './command.js';

const HELP = `Usage: baton clients <create|list|delete> [options]

Resource servers (your APIs) that may call POST /oauth/introspect to learn at once whether an
access token is still live (RFC 7662).

  create --name N [--json]   Register one; prints its client id and secret. The secret is shown
                             this once and only its SHA-256 digest is stored: keep it in the
                             API's secret store.
  list [--json]              Show every client: id, name, created.
  delete --id ID             Remove one; its credential stops working at once.`;

const create: Command = async (argv) => {
  const values = parseCommand(argv, { name: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (!values) return;
  const name = required(values.name, 'name').trim();
  if (name === '' || name.length > 100) throw new UsageError('--name must be 1 to 100 characters');
  await withStore(async (deps) => {
    const { client, clientSecret } = await createResourceClient(deps.store, deps.clock, name);
    await audit(deps, 'resource_client_created', OPERATOR, {}, { clientId: client.id });
    if (values.json) return stdout.line(JSON.stringify({ clientId: client.id, clientSecret, name }));
    stdout.line(`created resource client '${name}'`);
    stdout.line(`client_id:     ${client.id}`);
    stdout.line(`client_secret: ${clientSecret}`);
    stdout.line('The secret is shown only now; store it with the API that will introspect.');
  });
};

const list: Command = async (argv) => {
  const values = parseCommand(argv, { json: { type: 'boolean' } }, HELP);
  if (!values) return;
  await withStore(async ({ store }) => {
    const clients = (await store.listResourceClients()).map(({ id, name, createdAt }) => ({
      id,
      name,
      createdAt: new Date(createdAt).toISOString(),
    }));
    if (values.json) return stdout.line(JSON.stringify(clients));
    for (const client of clients) stdout.line(`${client.id}  ${client.name}  ${client.createdAt}`);
  });
};

const remove: Command = async (argv) => {
  const values = parseCommand(argv, { id: { type: 'string' } }, HELP);
  if (!values) return;
  const id = required(values.id, 'id');
  await withStore(async (deps) => {
    if (!(await deps.store.deleteResourceClient(id)))
      throw new UsageError(`no resource client with id ${id}`);
    await audit(deps, 'resource_client_deleted', OPERATOR, {}, { clientId: id });
    stdout.line(`deleted resource client ${id}`);
  });
};

const SUBCOMMANDS: Readonly<Record<string, Command>> = { create, list, delete: remove };

/** `baton clients ...`: resource servers allowed to introspect tokens. */
export const clients: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return stdout.line(HELP);
  const run = SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`unknown clients command '${sub}'\n\n${HELP}`);
  await run(rest);
};

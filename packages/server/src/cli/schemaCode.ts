import { fileURLToPath } from 'node:url';
import { SCHEMA_CODE_FILE } from '../http/schemaCode.js';
import { writeSchemaCode } from '../writeSchemaCode.js';
import { type Command, parseCommand, stdout } from './command.js';

const HELP = `Usage: baton schema-code

Generates the code of every route's validators and serialisers with the Ajv and
fast-json-stringify installed next to Baton, and stores it in Baton's package, where
'baton serve' finds it and starts without compiling them. The package ships such code, made by
the versions Baton was built with; run this after an install that resolved other versions
(the server says so when it starts). Safe to run again; touches no data.`;

/** `baton schema-code`. */
export const schemaCode: Command = async (argv) => {
  if (!parseCommand(argv, {}, HELP)) return;
  const count = await writeSchemaCode();
  stdout.line(`stored the code of ${count} schemas in ${fileURLToPath(SCHEMA_CODE_FILE)}`);
};

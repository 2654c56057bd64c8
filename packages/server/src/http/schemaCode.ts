import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Validators and serialisers generated when the package is built, so that a starting server need
 * not compile them. Fastify turns every route's JSON schemas into code when it starts (Ajv for
 * input, fast-json-stringify for output): a fifth of Baton's start-up, and Ajv's compiler stays
 * in memory afterwards. Both libraries can write that code out instead ("standalone" mode, their
 * documented way to ship it); `npm run build` does, and files it by a digest of everything it
 * was generated from. At start, a schema whose digest is on file gets the stored code; any other
 * (a schema changed since the build, an app's own settings) is compiled as before, so stored code
 * never answers for a schema it was not made from.
 */
export interface SchemaCode {
  /** The generators' versions: code is used only with the very versions that made it. */
  readonly generators: Readonly<Record<string, string>>;
  /** Ajv standalone modules, by {@link schemaDigest}. */
  readonly validators: Readonly<Record<string, string>>;
  /** fast-json-stringify standalone modules, by {@link schemaDigest}. */
  readonly serializers: Readonly<Record<string, string>>;
}

/** Where the build writes the code: next to the compiled `app.js`. */
export const SCHEMA_CODE_FILE = new URL('../schema-code.json', import.meta.url);

/**
 * The digest a schema's code is filed under: the schema, the shared schemas it may `$ref`, and
 * the compiler's options, so that a change to any of them misses.
 */
export function schemaDigest(kind: 'validator' | 'serializer', schema: unknown, context: string): string {
  return createHash('sha256')
    .update(kind)
    .update('\0')
    .update(context)
    .update('\0')
    .update(JSON.stringify(schema))
    .digest('base64url');
}

/** The compilers Fastify uses, and `require` functions that resolve what their code needs. */
export interface Generators {
  /** Resolves as Fastify does: its compilers, `@fastify/ajv-compiler` and `@fastify/fast-json-stringify-compiler`. */
  readonly fastifyRequire: NodeRequire;
  readonly versions: Readonly<Record<string, string>>;
  /** Resolves from `@fastify/ajv-compiler`: `ajv`, `ajv-formats` and their runtime helpers. */
  readonly validatorRequire: NodeRequire;
  /** Resolves from `@fastify/fast-json-stringify-compiler`: `fast-json-stringify`'s helpers. */
  readonly serializerRequire: NodeRequire;
}

let generators: Generators | undefined;

/**
 * Finds the compilers through Fastify's own dependencies (not through ours: an app may hoist
 * another Ajv), and reads their versions.
 */
export function findGenerators(): Generators {
  if (generators) return generators;
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  const validatorRequire = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
  const serializerRequire = createRequire(fromFastify.resolve('@fastify/fast-json-stringify-compiler'));
  const version = (from: NodeRequire, name: string) =>
    (from(`${name}/package.json`) as { version: string }).version;
  generators = {
    fastifyRequire: fromFastify,
    versions: {
      // The Fastify wrappers too: they set the options (Ajv's defaults, what reaches
      // fast-json-stringify) the code was generated under.
      '@fastify/ajv-compiler': version(fromFastify, '@fastify/ajv-compiler'),
      '@fastify/fast-json-stringify-compiler': version(fromFastify, '@fastify/fast-json-stringify-compiler'),
      ajv: version(validatorRequire, 'ajv'),
      'ajv-formats': version(validatorRequire, 'ajv-formats'),
      'fast-json-stringify': version(serializerRequire, 'fast-json-stringify'),
    },
    validatorRequire,
    serializerRequire,
  };
  return generators;
}

/** The stored code a start can use, and why the rest of it is set aside. */
export interface UsableSchemaCode {
  readonly validators: Readonly<Record<string, string>>;
  readonly serializers: Readonly<Record<string, string>>;
  /** For the start-up log: why stored code is not used (empty when all is, or none was built). */
  readonly setAside: readonly string[];
}

/** Which generators each kind of code was made by (and needs at the very same version). */
const MADE_BY = {
  validators: ['@fastify/ajv-compiler', 'ajv', 'ajv-formats'],
  serializers: ['@fastify/fast-json-stringify-compiler', 'fast-json-stringify'],
} as const;

/**
 * The stored code, each kind only if the compilers that made it are the ones installed: an app's
 * install may resolve a newer fast-json-stringify than the build had, and that serialiser code
 * is then set aside (its schemas compiled at start) while the validators are still used.
 */
export function loadSchemaCode(file: URL = SCHEMA_CODE_FILE): UsableSchemaCode {
  let code: SchemaCode;
  try {
    code = JSON.parse(readFileSync(file, 'utf8')) as SchemaCode;
  } catch (error) {
    // Running from source (tests, tsx): nothing was built, and nothing is wrong.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { validators: {}, serializers: {}, setAside: [] };
    // Unreadable or not JSON: the server still starts, compiling everything, and says why.
    const reason = error instanceof Error ? error.message : String(error);
    return { validators: {}, serializers: {}, setAside: [`the stored code could not be read (${reason})`] };
  }
  const installed = findGenerators().versions;
  const setAside: string[] = [];
  const usable = (kind: keyof typeof MADE_BY) => {
    const other = MADE_BY[kind].filter((name) => code.generators?.[name] !== installed[name]);
    if (other.length === 0) return code[kind] ?? {};
    const versions = other.map(
      (name) => `${name} ${code.generators?.[name] ?? '?'}, installed ${installed[name]}`,
    );
    setAside.push(`the ${kind} were made by other versions (${versions.join('; ')})`);
    return {};
  };
  return { validators: usable('validators'), serializers: usable('serializers'), setAside };
}

/**
 * Evaluates a standalone module (CommonJS text with `module.exports` and `require`), as Node
 * would load it from a file in the compiler's package.
 */
export function evaluateModule(source: string, require: NodeRequire): unknown {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', source)(module, module.exports, require);
  return module.exports;
}

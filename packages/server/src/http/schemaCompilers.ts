import type { FastifyServerOptions } from 'fastify';
import { lowerCaseHeaderNames } from './headerSchemas.js';
import { evaluateModule, findGenerators, type SchemaCode, schemaDigest } from './schemaCode.js';

/** Stored code by digest, as {@link SchemaCode} files it. */
type StoredCode = Pick<SchemaCode, 'validators' | 'serializers'>;

/** What Fastify hands a compiler for one schema of one route. */
interface RouteSchema {
  readonly schema: unknown;
  readonly method?: string;
  readonly url?: string;
  readonly httpPart?: string;
}

/** The schema to compile for `route`: a headers schema's names lower-cased (see headerSchemas.ts). */
const asRequestsArrive = (route: RouteSchema): RouteSchema =>
  route.httpPart === 'headers'
    ? { ...route, schema: lowerCaseHeaderNames(route.schema, `${route.method} ${route.url}`) }
    : route;

/** An Ajv validation function: `false` with `errors` set when the input does not match. */
interface Validate {
  (data: unknown): unknown;
  errors?: unknown;
}
type Serialize = (data: unknown) => string;
type Builder<Compiled> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Compiled;

/** Fastify's `schemaController.compilersFactory` option. */
export type FastifyCompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

/**
 * `compilers` as Fastify's option. Its declared types are Ajv's and fast-json-stringify's own
 * function types (from @fastify/ajv-compiler 4.0.8 on, Ajv's `AnyValidateFunction`), which ours
 * match in shape at run time but not by declaration: the one place that says so.
 */
export function asCompilersFactory(
  compilers: Pick<SchemaCompilers, 'buildValidator' | 'buildSerializer'>,
): FastifyCompilersFactory {
  const { buildValidator, buildSerializer } = compilers;
  return { buildValidator, buildSerializer } as unknown as FastifyCompilersFactory;
}

/** Fastify's `schemaController.compilersFactory`, and what it did. */
export interface SchemaCompilers {
  readonly buildValidator: Builder<Validate>;
  readonly buildSerializer: Builder<Serialize>;
  /** Schemas answered by stored code, and schemas compiled while the server started. */
  readonly counts: { stored: number; compiled: number };
}

/**
 * The compilers' options as they bear on the code, for {@link schemaDigest}: without the switch
 * that standalone mode flips on them (`code` for Ajv, `mode` for fast-json-stringify), which only
 * decides whether the code is kept, so a recorded schema and a started one digest alike.
 */
function codeContext(externalSchemas: unknown, options: unknown, standaloneSwitch: 'code' | 'mode'): string {
  const copy = { ...(options as Record<string, unknown> | undefined) };
  if (standaloneSwitch === 'mode') delete copy.mode;
  else if (copy.customOptions) {
    const { code: _kept, ...customOptions } = copy.customOptions as Record<string, unknown>;
    copy.customOptions = customOptions;
  }
  return JSON.stringify([externalSchemas, copy]);
}

/**
 * Fastify's own compiler for these schemas, made (its library loaded) only when a schema without
 * stored code comes; counts each schema it compiles.
 */
function compilingOnDemand<Compiled>(
  makeBuilder: () => Builder<Compiled>,
  externalSchemas: unknown,
  options: unknown,
  counts: { compiled: number },
): (route: RouteSchema) => Compiled {
  let compileNow: ((route: RouteSchema) => Compiled) | undefined;
  return (route) => {
    counts.compiled++;
    compileNow ??= makeBuilder()(externalSchemas, options);
    return compileNow(route);
  };
}

/**
 * Compilers that take a schema's code from `code` when it holds it, and otherwise compile the
 * schema as Fastify would (loading Ajv or fast-json-stringify only then).
 */
export function schemaCompilers(code: StoredCode | undefined): SchemaCompilers {
  const counts = { stored: 0, compiled: 0 };
  const buildValidator: Builder<Validate> = (externalSchemas, options) => {
    const context = codeContext(externalSchemas, options, 'code');
    const compile = compilingOnDemand(
      () => (findGenerators().fastifyRequire('@fastify/ajv-compiler') as () => Builder<Validate>)(),
      externalSchemas,
      options,
      counts,
    );
    return (declared) => {
      const route = asRequestsArrive(declared);
      const source = code?.validators[schemaDigest('validator', route.schema, context)];
      if (source === undefined) return compile(route);
      // Ajv's standalone code needs only small runtime helpers: evaluated now, so a missing
      // helper shows here, where compiling instead is still possible.
      try {
        const validate = evaluateModule(source, findGenerators().validatorRequire) as Validate;
        counts.stored++;
        return validate;
      } catch {
        return compile(route);
      }
    };
  };
  const buildSerializer: Builder<Serialize> = (externalSchemas, options) => {
    const context = codeContext(externalSchemas, options, 'mode');
    const compile = compilingOnDemand(
      () =>
        (
          findGenerators().fastifyRequire('@fastify/fast-json-stringify-compiler') as {
            SerializerSelector: () => Builder<Serialize>;
          }
        ).SerializerSelector(),
      externalSchemas,
      options,
      counts,
    );
    return (route) => {
      const source = code?.serializers[schemaDigest('serializer', route.schema, context)];
      if (source === undefined) return compile(route);
      counts.stored++;
      // Evaluated on first use: a serialiser for `anyOf` loads Ajv, which a start need not pay
      // for a route nobody has called yet.
      let serialize: Serialize | undefined;
      return (data) => {
        if (serialize === undefined) {
          try {
            serialize = evaluateModule(source, findGenerators().serializerRequire) as Serialize;
          } catch {
            serialize = compile(route);
          }
        }
        return serialize(data);
      };
    };
  };
  return { buildValidator, buildSerializer, counts };
}

/** The code a build stores: filled in by {@link recordingCompilers} while a server starts. */
export interface RecordedCode {
  readonly validators: Record<string, string>;
  readonly serializers: Record<string, string>;
}

/**
 * Compilers that compile every schema as Fastify would, in the libraries' standalone mode, and
 * put the code into `into` under the digest {@link schemaCompilers} looks it up by.
 */
export function recordingCompilers(
  into: RecordedCode,
): Pick<SchemaCompilers, 'buildValidator' | 'buildSerializer'> {
  const { fastifyRequire } = findGenerators();
  type Store = (route: RouteSchema, source: string) => void;
  const { StandaloneValidator } = fastifyRequire('@fastify/ajv-compiler') as {
    StandaloneValidator: (options: { readMode: false; storeFunction: Store }) => Builder<Validate>;
  };
  const { StandaloneSerializer } = fastifyRequire('@fastify/fast-json-stringify-compiler') as {
    StandaloneSerializer: (options: { readMode: false; storeFunction: Store }) => Builder<Serialize>;
  };
  return {
    buildValidator: (externalSchemas, options) => {
      const context = codeContext(externalSchemas, options, 'code');
      const compile = StandaloneValidator({
        readMode: false,
        storeFunction: (route, source) => {
          into.validators[schemaDigest('validator', route.schema, context)] = source;
        },
      })(externalSchemas, options);
      return (route) => compile(asRequestsArrive(route));
    },
    buildSerializer: (externalSchemas, options) => {
      const context = codeContext(externalSchemas, options, 'mode');
      return StandaloneSerializer({
        readMode: false,
        storeFunction: (route, source) => {
          into.serializers[schemaDigest('serializer', route.schema, context)] = source;
        },
      })(externalSchemas, options);
    },
  };
}

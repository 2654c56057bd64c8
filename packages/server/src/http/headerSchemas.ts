/** Keywords that could name headers somewhere Fastify would have lower-cased them and we do not. */
const NAMING_KEYWORDS = [
  '$ref',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'propertyNames',
  'patternProperties',
] as const;

/**
 * A route's `headers` schema with its header names lower-cased, as Node hands request headers
 * over. Fastify does this itself only for its own compilers; with a compiler factory of our own
 * (which stored schema code needs, see schemaCode.ts) it passes the schema as written, and a
 * check on `X-Mode` would never see the `x-mode` header. Here: the names in `properties` and
 * `required`, the ways a header schema names headers. A schema that names them any other way
 * (`$ref`, `anyOf`, `dependentRequired`, ...) is refused when the route is declared, rather than
 * left checking nothing.
 */
export function lowerCaseHeaderNames(schema: unknown, where: string): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const written = schema as Record<string, unknown>;
  const naming = NAMING_KEYWORDS.filter((keyword) => keyword in written);
  if (naming.length > 0)
    throw new Error(
      `${where}: a headers schema may name headers only in "properties" and "required", not in ` +
        `${naming.map((keyword) => `"${keyword}"`).join(', ')}: header names must be lower-cased to match ` +
        'requests, and Baton does that for those two keywords only',
    );
  const lowered: Record<string, unknown> = { ...written };
  if (written.properties !== null && typeof written.properties === 'object')
    lowered.properties = Object.fromEntries(
      Object.entries(written.properties).map(([name, value]) => [name.toLowerCase(), value]),
    );
  if (Array.isArray(written.required))
    lowered.required = written.required.map((name) => (typeof name === 'string' ? name.toLowerCase() : name));
  return lowered;
}

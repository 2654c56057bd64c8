/**
 * fast-check arbitraries for hostile HTTP input: bodies, strings, headers and path segments.
 * Each aims at a place where servers classically break: parsers (truncated JSON, deep nesting,
 * duplicate keys), validators (wrong types), size limits (around 16 KiB), text handling (lone
 * surrogates, NUL, RTL marks, combining marks, fullwidth `@`) and the HTTP layer itself.
 */
import fc from 'fast-check';

/** Just around the server's 16 KiB body limit, in characters (multi-byte ones overshoot in bytes). */
const NEAR_LIMIT = { min: 15 * 1024, max: 20 * 1024 };

/** Strings chosen for what they do to normalisation, storage, logging and comparison. */
export const TRICKY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000@b.co',
  '\uD800',
  'x\uDC00y@example.com',
  '\uD83D\uDE00',
  'ann\u202E@evil.com',
  '\u200F\u200Eann@x.io',
  'ann\uFF20example.com',
  'e\u0301\u0301\u0301@x.io',
  'A\u030A@x.io',
  '\u00C5@x.io',
  '\uFEFFann@x.io',
  '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}@x.io',
  'ANN@X.IO',
  ' ann@x.io ',
  'ann@x.io\n',
  'ann@[127.0.0.1]',
  '"a b"@x.io',
  'a@b@c',
  '@',
  '%00',
  '\\u0000',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '\u0024{jndi:ldap://127.0.0.1/a}',
  '__proto__',
  'constructor',
  'password',
  'brt_',
  `brt_${'A'.repeat(43)}`,
  `brt_${'A'.repeat(42)}\u0000`,
  'Bearer x',
  '9'.repeat(400),
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const combining = fc.integer({ min: 0x0300, max: 0x036f }).map((unit) => String.fromCharCode(unit));

/** One character from the odd corners of Unicode, or any code point at all. */
const oddUnit = fc.oneof(
  loneSurrogate,
  combining,
  fc.constantFrom('\u0000', '\u202E', '\u200F', '\uFF20', '\uFEFF', '\u{1F600}', '\u0085', '\u2028', '@'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** A string that may be short, tricky or far too long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: oddUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '\u20AC', '\u{1F600}', '\uD800', 'e\u0301'), fc.integer(NEAR_LIMIT))
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length))),
  },
);

/** A plausible email with one hostile part, to get past the schema and into normalisation. */
export const hostileEmail: fc.Arbitrary<string> = fc
  .tuple(hostileString, fc.constantFrom('@', '\uFF20', '@@', ''), hostileString)
  .map(([local, at, domain]) => `${local.slice(0, 120)}${at}${domain.slice(0, 120)}`);

/** Any value at all in the place of a field: wrong types, nested objects, huge strings. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: hostileEmail },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, [], {}, [''], { $gt: '' }) },
);

/** Serialises a value like a client would, or returns `undefined` when JSON has no text for it. */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * A request body for a route with `fields`, as bytes on the wire: JSON objects with hostile
 * values, random JSON, truncated JSON, deep nesting, duplicate keys and non-JSON bytes.
 */
export function hostileBody(fields: readonly string[]): fc.Arbitrary<string | Buffer> {
  const names = fields.length > 0 ? fields : ['x'];
  const withFields = fc
    .tuple(
      fc.record(Object.fromEntries(names.map((name) => [name, fieldValue])), { requiredKeys: [] }),
      fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra'), fc.string()), fieldValue, {
        maxKeys: 2,
      }),
      fc.boolean(),
    )
    .map(([record, extra, withExtra]) => jsonText(withExtra ? { ...extra, ...record } : record) ?? '{}');
  const truncated = fc
    .tuple(fc.json({ maxDepth: 4 }), fc.nat())
    .map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length)));
  const nested = fc
    .tuple(fc.integer({ min: 50, max: 8000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
    .map(([depth, open, closed]) => {
      const close = open === '[' ? ']' : '}';
      return open.repeat(depth) + (open === '[' ? '' : '1') + (closed ? close.repeat(depth) : '');
    });
  const duplicateKeys = fc
    .tuple(fc.constantFrom(...names), fieldValue, fieldValue)
    .map(([name, first, second]) => {
      const rest = names.filter((other) => other !== name).map((other) => `"${other}":"x"`);
      return `{${[`"${name}":${jsonText(first) ?? 'null'}`, ...rest, `"${name}":${jsonText(second) ?? 'null'}`].join(',')}}`;
    });
  return fc.oneof(
    { weight: 5, arbitrary: withFields },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 2, arbitrary: truncated },
    { weight: 1, arbitrary: nested },
    { weight: 2, arbitrary: duplicateKeys },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '""', '[]', '{}', '\uFEFF{}', '{"a":1}x') },
  );
}

/** Content types a client might send, well-formed or not. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/problem+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
      'application/jsonx',
      '',
      ';',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }) },
);

/** Header values with bytes HTTP allows (obs-text), and bytes it does not (NUL, CR, DEL). */
export const headerValue: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 100 }).map((text) => Buffer.from(text)),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '\u00e9', 'Bearer '), fc.integer({ min: 4000, max: 20_000 }))
      .map(([unit, length]) => Buffer.from(unit.repeat(length), 'latin1')),
  },
);

/** A path parameter as it goes on the wire: encoded, half-encoded, traversing or very long. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: hostileString.map((text) => encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '?'))),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..',
      '../..',
      '../../etc/passwd',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '..%2F..%2F',
      '%00',
      '%',
      '%zz',
      '%E0%A4%A',
      '%C0%AF',
      '%ED%A0%80',
      '%EF%BC%A0',
      '%u0000',
      "'%20OR%201=1%20--",
      '00000000-0000-0000-0000-000000000000',
      '.',
      '~',
      ';jsessionid=1',
      '?x=1',
      '#frag',
      '//',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '%41', '..%2F'), fc.integer({ min: 60, max: 20_000 }))
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length))),
  },
  { weight: 1, arbitrary: fc.webSegment() },
);

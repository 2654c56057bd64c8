/**
 * The validators and serialisers `npm run build` generates (src/http/schemaCode.ts): a server
 * started with them answers exactly as one that compiles its schemas at start, uses them for
 * every schema of every route, and never uses code made from another schema or by other versions
 * of the compilers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { createServerWithCode } from '../src/app.js';
import { findGenerators, loadSchemaCode, type SchemaCode } from '../src/http/schemaCode.js';
import {
  asCompilersFactory,
  type RecordedCode,
  recordingCompilers,
  schemaCompilers,
} from '../src/http/schemaCompilers.js';
import { generateSchemaCode } from '../src/writeSchemaCode.js';
import { hostileBody } from './support/fuzzInputs.js';
import { type RawRequest, sendRaw } from './support/rawHttp.js';
import { registerUser, startServer, type TestServer } from './support/server.js';

const SEED = Number(process.env.BATON_FUZZ_SEED ?? 20_261_202);

describe('schema code generated at build time', () => {
  let code: SchemaCode;
  before(async () => {
    code = await generateSchemaCode();
  });

  it('answers for every schema of every route, in each route set the build covers', async () => {
    for (const options of [{}, { metrics: 'api' as const }]) {
      const compilers = schemaCompilers(code);
      const server = await startServer({ ...options, compilers });
      try {
        assert.equal(compilers.counts.compiled, 0, 'no schema compiled at start');
        assert.ok(compilers.counts.stored > 50, `stored code for ${compilers.counts.stored} schemas`);
      } finally {
        await server.close();
      }
    }
  });

  describe('a server on stored code and one compiling at start', () => {
    let stored: TestServer;
    let compiled: TestServer;
    const storedCompilers = () => schemaCompilers(code);
    before(async () => {
      stored = await startServer({ compilers: storedCompilers() });
      compiled = await startServer({ compilers: schemaCompilers(undefined) });
    });
    after(async () => {
      await stored?.close();
      await compiled?.close();
    });

    const answer = async (server: TestServer, request: RawRequest) => {
      const response = await sendRaw(server.url, request);
      const body = response.body.length > 0 ? (JSON.parse(response.body) as Record<string, unknown>) : {};
      return {
        status: response.status,
        code: body.code,
        detail: body.detail,
        fields: Object.keys(body).sort(),
      };
    };

    it('refuse the same hostile bodies with the same words, on every body route', async () => {
      const routes = [
        { path: '/auth/login', fields: ['email', 'password'] },
        { path: '/auth/register', fields: ['email', 'password', 'name'] },
        { path: '/auth/refresh', fields: ['refreshToken'] },
        { path: '/auth/password/forgot', fields: ['email'] },
        { path: '/auth/password/reset', fields: ['token', 'password'] },
        { path: '/oauth/token', fields: ['grant_type', 'refresh_token'] },
      ];
      let compared = 0;
      for (const route of routes) {
        await fc.assert(
          fc.asyncProperty(hostileBody(route.fields), async (body) => {
            const request: RawRequest = {
              method: 'POST',
              target: route.path,
              headers: [['content-type', 'application/json']],
              body,
            };
            assert.deepEqual(await answer(stored, request), await answer(compiled, request), route.path);
            compared++;
          }),
          { seed: SEED, numRuns: 60 },
        );
      }
      console.log(`schema code: ${compared} hostile bodies answered alike`);
    });

    it('serialise users, sessions, todos and token answers alike, field by field', async () => {
      // Values that differ between two registrations (ids, tokens, times) become their kind.
      const shape = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(shape);
        if (value !== null && typeof value === 'object')
          return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
        if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return 'date-time';
        if (typeof value === 'string' && value !== 'x' && value !== 'Bearer') return 'string';
        return value;
      };
      const seen = new Map<TestServer, unknown[]>();
      for (const server of [stored, compiled]) {
        const user = await registerUser(server);
        const shapes: unknown[] = [shape(user)];
        await server.request('POST', '/todos', { token: user.accessToken, body: { title: 'x' } });
        for (const route of ['/auth/me', '/auth/sessions', '/todos']) {
          const response = await server.request('GET', route, { token: user.accessToken });
          assert.equal(response.status, 200, route);
          shapes.push(shape(response.body));
        }
        seen.set(server, shapes);
      }
      assert.deepEqual(seen.get(stored), seen.get(compiled));
    });
  });

  it('compiles a schema that changed since the build instead of using the old code', async () => {
    const recorded: RecordedCode = { validators: {}, serializers: {} };
    const shared = { $id: 'Name', type: 'string', maxLength: 5 };
    const app = (
      compilers: Pick<ReturnType<typeof schemaCompilers>, 'buildValidator' | 'buildSerializer'>,
    ) => {
      const instance = Fastify({
        schemaController: { compilersFactory: asCompilersFactory(compilers) },
      });
      instance.addSchema(shared);
      instance.post(
        '/',
        {
          schema: {
            body: {
              type: 'object',
              properties: { name: { $ref: 'Name#' }, note: { type: 'string', maxLength: 5 } },
            },
            response: { 200: { type: 'object', properties: { name: { type: 'string' } } } },
          },
        },
        async (request) => request.body,
      );
      return instance;
    };
    const built = app(recordingCompilers(recorded));
    await built.ready();
    await built.close();
    const code: SchemaCode = { generators: findGenerators().versions, ...recorded };
    const post = async (instance: FastifyInstance, body: unknown) =>
      (await instance.inject({ method: 'POST', url: '/', payload: body as object })).statusCode;

    const same = schemaCompilers(code);
    const unchanged = app(same);
    assert.equal(await post(unchanged, { name: 'sixsix' }), 400, 'the stored code checks maxLength 5');
    assert.deepEqual(same.counts, { stored: 2, compiled: 0 });
    await unchanged.close();

    shared.maxLength = 10;
    const afterSharedChange = schemaCompilers(code);
    const changed = app(afterSharedChange);
    assert.equal(await post(changed, { name: 'sixsix' }), 200, 'a changed shared schema is compiled anew');
    assert.equal(afterSharedChange.counts.compiled, 2, 'its change touches every schema that may $ref it');
    await changed.close();
  });

  it('checks headers schemas as stock Fastify does, with the header names lower-cased', async () => {
    const headers = {
      type: 'object',
      required: ['X-Mode'],
      properties: { 'X-Mode': { type: 'string', enum: ['safe'] } },
    };
    const declare = (instance: FastifyInstance, schema: unknown = headers) => {
      instance.get('/', { schema: { headers: schema as object } }, async () => 'ok');
      return instance;
    };
    const recorded: RecordedCode = { validators: {}, serializers: {} };
    const recording = declare(
      Fastify({
        schemaController: { compilersFactory: asCompilersFactory(recordingCompilers(recorded)) },
      }),
    );
    await recording.ready();
    await recording.close();
    const stored = schemaCompilers({ ...recorded });
    const servers = {
      stock: declare(Fastify()),
      compiledAtStart: declare(
        Fastify({
          schemaController: { compilersFactory: asCompilersFactory(schemaCompilers(undefined)) },
        }),
      ),
      stored: declare(Fastify({ schemaController: { compilersFactory: asCompilersFactory(stored) } })),
    };
    const cases = [{ 'x-mode': 'safe' }, { 'x-mode': 'evil' }, { 'X-Mode': 'evil' }, {}];
    const answers: Record<string, number[]> = {};
    for (const [name, instance] of Object.entries(servers)) {
      answers[name] = [];
      for (const sent of cases)
        answers[name].push((await instance.inject({ method: 'GET', url: '/', headers: sent })).statusCode);
      await instance.close();
    }
    assert.deepEqual(answers.stock, [200, 400, 400, 400]);
    assert.deepEqual(answers.compiledAtStart, answers.stock);
    assert.deepEqual(answers.stored, answers.stock);
    // GET and its HEAD twin: both from the code recorded for the lower-cased schema.
    assert.deepEqual(stored.counts, { stored: 2, compiled: 0 });

    const naming = declare(
      Fastify({
        schemaController: { compilersFactory: asCompilersFactory(schemaCompilers(undefined)) },
      }),
      {
        anyOf: [{ required: ['X-Mode'] }, { required: ['X-Other'] }],
      },
    );
    await assert.rejects(async () => {
      await naming.ready();
    }, /a headers schema may name headers only in "properties" and "required", not in "anyOf"/);
  });

  it('sets each kind of code aside when other versions of its compilers are installed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-schema-code-'));
    try {
      const file = pathToFileURL(path.join(dir, 'schema-code.json'));
      const versions = findGenerators().versions;
      const load = async (generators: Record<string, string>) => {
        await writeFile(file, JSON.stringify({ ...code, generators }));
        const usable = loadSchemaCode(file);
        return {
          validators: Object.keys(usable.validators).length,
          serializers: Object.keys(usable.serializers).length,
          setAside: usable.setAside,
        };
      };
      const validators = Object.keys(code.validators).length;
      const serializers = Object.keys(code.serializers).length;
      assert.deepEqual(await load(versions), { validators, serializers, setAside: [] });
      const newerSerializer = await load({ ...versions, 'fast-json-stringify': '7.99.0' });
      assert.deepEqual([newerSerializer.validators, newerSerializer.serializers], [validators, 0]);
      assert.match(newerSerializer.setAside.join(), /serializers .*fast-json-stringify 7\.99\.0, installed /);
      const otherFormats = await load({ ...versions, 'ajv-formats': '3.0.0-other' });
      assert.deepEqual([otherFormats.validators, otherFormats.serializers], [0, serializers]);
      assert.match(otherFormats.setAside.join(), /validators .*ajv-formats 3\.0\.0-other/);
      // The server says so when it starts, and what to do.
      const lines: string[] = [];
      const app = await createServerWithCode(
        {
          dataDir: dir,
          logLevel: 'info',
          logFormat: 'json',
          logStream: { write: (line) => void lines.push(line) },
        },
        loadSchemaCode(file),
      );
      await app.ready();
      await app.close();
      const said = lines
        .map((line) => JSON.parse(line).msg as string)
        .filter((msg) => msg.includes('schema'));
      assert.equal(said.length, 1, lines.join(''));
      assert.match(
        said[0]!,
        /^compiled \d+ route schemas at start, because the validators were made by other versions \(ajv-formats 3\.0\.0-other, installed [\d.]+\)\. Run 'npx baton schema-code' after installing/,
      );
      // Half a file (a copy cut short): the server starts anyway, compiling, and says why.
      await writeFile(file, '{"generators":');
      const torn = loadSchemaCode(file);
      assert.deepEqual([torn.validators, torn.serializers], [{}, {}]);
      assert.match(torn.setAside.join(), /^the stored code could not be read \(/);
      const none = loadSchemaCode(pathToFileURL(path.join(dir, 'absent.json')));
      assert.deepEqual(none, { validators: {}, serializers: {}, setAside: [] }, 'running from source');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

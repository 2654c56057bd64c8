import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HTTPMethods,
  RouteOptions,
} from 'fastify';

/** The OpenAPI document's fixed parts; the paths come from the routes' schemas. */
const OPENAPI = {
  info: {
    title: 'Baton',
    version: '0.1.0',
    description: 'JWT access tokens and rotating refresh tokens.',
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      clientBasic: { type: 'http', scheme: 'basic', description: 'a resource-server client credential' },
    },
  },
} as const;

/** What the documentation needs of a route: its method, path, constraints and schemas. */
interface DeclaredRoute {
  readonly method: HTTPMethods | HTTPMethods[];
  readonly url: string;
  readonly constraints?: NonNullable<RouteOptions['constraints']>;
  readonly schema?: FastifySchema;
}

const isDocsPath = (url: string) => url === '/docs' || url.startsWith('/docs/');

/** Answer headers that describe the page itself; the security headers are this server's own. */
const PAGE_HEADERS = ['content-type', 'location', 'cache-control', 'etag', 'last-modified'] as const;

/**
 * `/docs`: the OpenAPI document of every route (`/docs/json`, `/docs/yaml`) and Swagger UI, by
 * `@fastify/swagger` and `@fastify/swagger-ui`. They are built on the first request to `/docs`,
 * not at start: loading them is a sixth of a start-up and most servers never serve a page of
 * them. Until then this only notes each route as it is declared; the first request builds a
 * private Fastify instance that declares the same routes (without handlers) and the two plugins,
 * and every `/docs` request is answered from it, through this server's hooks (security headers,
 * request line, metrics) like any other answer. Call it on the root instance before the routes
 * are declared: a hook of an encapsulated plugin would not see its siblings' routes.
 */
export function registerDocs(app: FastifyInstance): void {
  const declared: DeclaredRoute[] = [];
  app.addHook('onRoute', (route) => {
    // Fastify declares a HEAD route for each GET by itself, in the private instance too.
    if (route.method === 'HEAD' || isDocsPath(route.url)) return;
    declared.push({
      method: route.method,
      url: route.url,
      // Routes told apart only by constraints (a version, a host) would otherwise collide.
      ...(route.constraints ? { constraints: route.constraints } : {}),
      ...(route.schema ? { schema: route.schema } : {}),
    });
  });
  // Built once: a failure is kept too (each request would otherwise build a whole instance again),
  // and answered as the server's own error (a 500, logged by the error handler).
  let docs: Promise<FastifyInstance> | undefined;
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= buildDocs(app, declared);
    // HEAD is asked as GET: this server's HEAD route then sends the headers of the GET answer.
    const method = request.method === 'HEAD' ? 'GET' : (request.method as HTTPMethods);
    const answer = await (await docs).inject({
      method,
      url: request.url,
      headers: pickHeaders(request.headers, ['accept', 'if-none-match', 'if-modified-since']),
    });
    // Not a page of the docs: this server's own not-found answer (problem+json), not the plugin's.
    if (answer.statusCode === 404) return reply.callNotFound();
    if (answer.statusCode >= 500)
      throw new Error(`the API documentation failed: ${answer.statusCode} ${answer.body}`);
    reply.code(answer.statusCode).headers(pickHeaders(answer.headers, PAGE_HEADERS));
    // A redirect or a 304 has no body, and gets no content type for one.
    return answer.rawPayload.length > 0 ? reply.send(answer.rawPayload) : reply.send();
  };
  app.get('/docs', { schema: { hide: true } }, forward);
  app.get('/docs/*', { schema: { hide: true } }, forward);
}

async function buildDocs(app: FastifyInstance, declared: readonly DeclaredRoute[]): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const docs = Fastify({ logger: false, routerOptions: { maxParamLength: 200 } });
  // Its routes only describe ours, never run: nothing to validate or serialise.
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of Object.values(app.getSchemas())) docs.addSchema(schema);
  await docs.register(swagger, { openapi: OPENAPI });
  await docs.register(swaggerUi, { routePrefix: '/docs' });
  const handler = async () => undefined;
  for (const route of declared) docs.route({ ...route, handler });
  await docs.ready();
  return docs;
}

function pickHeaders(
  headers: Readonly<Record<string, string | string[] | number | undefined>>,
  names: readonly string[],
): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) picked[name] = typeof value === 'number' ? String(value) : value;
  }
  return picked;
}

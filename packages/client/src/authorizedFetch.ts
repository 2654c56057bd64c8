/** What the authorizing fetch needs from the client. */
export interface AuthorizedFetchDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly baseUrl: string;
  isAllowedUrl(url: string): boolean;
  getAccessToken(): Promise<string | null>;
  recoverFromUnauthorized(rejectedAccessToken: string): Promise<string>;
}

/**
 * A drop-in `fetch` that adds `Authorization: Bearer` for allowed origins only, and on a 401
 * waits for the shared refresh and retries exactly once; a second 401 is returned as is, so a
 * server that keeps refusing cannot cause a loop. Requests that already carry an `Authorization`
 * header are sent untouched.
 */
export function createAuthorizedFetch(deps: AuthorizedFetchDeps): typeof globalThis.fetch {
  return async (input, init) => {
    const request = new Request(absolute(input, deps.baseUrl), init);
    if (request.headers.has('authorization') || !deps.isAllowedUrl(request.url)) return deps.fetch(request);
    const token = await deps.getAccessToken();
    if (token === null) return deps.fetch(request);
    // A body can be read once; keep a copy for the retry.
    const spare = request.clone();
    const response = await deps.fetch(withBearer(request, token));
    if (response.status !== 401) return response;
    const fresh = await deps.recoverFromUnauthorized(token);
    await response.body?.cancel();
    return deps.fetch(withBearer(spare, fresh));
  };
}

function withBearer(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/** Relative URLs resolve like the global fetch does (against the page), or against `baseUrl` outside pages. */
function absolute(input: RequestInfo | URL, baseUrl: string): RequestInfo | URL {
  if (input instanceof Request || input instanceof URL) return input;
  const base = (globalThis as { location?: { href?: string } }).location?.href ?? `${baseUrl}/`;
  return new URL(input, base);
}

import { resolveUrl } from './url.js';

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
    // A Request object or a stream body can be sent once only: keep a clone for the retry.
    // Everything else is re-sent from `init`, which avoids building Request objects (measurably
    // slower) on the common path.
    if (input instanceof Request || isStream(init?.body)) return viaRequest(deps, input, init);
    const url = resolveUrl(input, deps.baseUrl).href;
    const headers = new Headers(init?.headers);
    if (headers.has('authorization') || !deps.isAllowedUrl(url)) return deps.fetch(url, init);
    const token = await deps.getAccessToken();
    if (token === null) return deps.fetch(url, init);
    headers.set('authorization', `Bearer ${token}`);
    const response = await deps.fetch(url, { ...init, headers });
    if (response.status !== 401) return response;
    const fresh = await deps.recoverFromUnauthorized(token);
    await response.body?.cancel();
    headers.set('authorization', `Bearer ${fresh}`);
    return deps.fetch(url, { ...init, headers });
  };
}

async function viaRequest(
  deps: AuthorizedFetchDeps,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): Promise<Response> {
  const request = new Request(input instanceof Request ? input : resolveUrl(input, deps.baseUrl), init);
  if (request.headers.has('authorization') || !deps.isAllowedUrl(request.url)) return deps.fetch(request);
  const token = await deps.getAccessToken();
  if (token === null) return deps.fetch(request);
  const spare = request.clone();
  const response = await deps.fetch(withBearer(request, token));
  if (response.status !== 401) return response;
  const fresh = await deps.recoverFromUnauthorized(token);
  await response.body?.cancel();
  return deps.fetch(withBearer(spare, fresh));
}

function withBearer(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

function isStream(body: unknown): boolean {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

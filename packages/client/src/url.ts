/**
 * Resolves a request URL the way the platform's `fetch` does: relative URLs against the page's
 * base URL (`document.baseURI`, which honours `<base href>`, as Angular apps served under a
 * sub-path use), else against the global `location` (a worker's script), else against `baseUrl`
 * where there is neither (Node). The bearer check and the request itself must agree on the
 * origin, so both use this.
 */
export function resolveUrl(input: string | URL, baseUrl: string): URL {
  if (input instanceof URL) return input;
  const page = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return new URL(input, page.document?.baseURI ?? page.location?.href ?? `${baseUrl}/`);
}

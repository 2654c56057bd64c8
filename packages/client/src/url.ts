/**
 * Resolves a request URL the way the platform's `fetch` does: relative URLs against the page
 * (`location.href`), or against `baseUrl` where there is no page (Node, workers without one).
 * The bearer check and the request itself must agree on the origin, so both use this.
 */
export function resolveUrl(input: string | URL, baseUrl: string): URL {
  if (input instanceof URL) return input;
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(input, page ?? `${baseUrl}/`);
}

/**
 * RFC 6749 §2.3.1 client authentication: HTTP Basic (`client_secret_basic`) or the credentials in
 * the form body (`client_secret_post`), never both (§2.3: one method per request).
 */

/** A client id and secret as the request presented them. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Why no usable credentials were found; the caller maps it to `invalid_client` or `invalid_request`. */
export type CredentialsProblem = 'missing' | 'malformed' | 'two_methods';

/**
 * The credentials of a request, or the problem with them. In Basic, id and secret are each
 * form-urlencoded before base64 (RFC 6749 §2.3.1), so they are decoded after the split.
 */
export function clientCredentials(
  authorization: string | undefined,
  body: { readonly client_id?: unknown; readonly client_secret?: unknown },
): ClientCredentials | CredentialsProblem {
  const inBody = body.client_secret !== undefined;
  if (authorization !== undefined) {
    if (inBody) return 'two_methods';
    return fromBasic(authorization);
  }
  if (!inBody) return 'missing';
  const { client_id: clientId, client_secret: clientSecret } = body;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || clientId === '') return 'malformed';
  return { clientId, clientSecret };
}

function fromBasic(authorization: string): ClientCredentials | CredentialsProblem {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(authorization);
  if (!match?.[1]) return 'malformed';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'malformed';
  try {
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    return 'malformed';
  }
}

/** application/x-www-form-urlencoded decoding of one value (`+` is a space). Throws on bad `%`. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll('+', ' '));
}

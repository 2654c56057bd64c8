import type { Session, TokenGrant, User } from '../session.js';

/** What the client hands a backend: where the server is and a plain fetch (never authenticated). */
export interface BackendContext {
  /** The `baseUrl` given to `createAuthClient`, without a trailing slash. */
  readonly baseUrl: string;
  /** The underlying fetch. It never adds a bearer token. */
  readonly fetch: typeof globalThis.fetch;
}

/** Credentials for {@link Backend.login}. */
export interface LoginInput {
  readonly email: string;
  readonly password: string;
  /**
   * The device token this client got at its last sign-in to the account (Baton only; the client
   * fills it in). Other backends ignore it.
   */
  readonly deviceToken?: string;
}

/** Input of {@link Backend.register}. */
export interface RegisterInput extends LoginInput {
  /** The person's name; backends whose server wants first and last name split it (see `djoserBackend`). */
  readonly name?: string;
}

/**
 * How the client talks to one kind of auth server: a plain object of three or four functions.
 * Every function throws an `AuthError` whose `status` is the HTTP status of a refusal; the client
 * reads a 400 or 401 from `refresh` as "the session is dead" and anything else (network failure,
 * 5xx) as "try again later".
 */
export interface Backend {
  /** Exchanges credentials for tokens. */
  login(context: BackendContext, input: LoginInput): Promise<TokenGrant>;
  /** Creates an account and returns its first tokens. Omit when the server has no sign-up. */
  register?(context: BackendContext, input: RegisterInput): Promise<TokenGrant>;
  /** Exchanges a refresh token for a new pair (rotation: the new refresh token replaces the old). */
  refresh(context: BackendContext, refreshToken: string): Promise<TokenGrant>;
  /** Ends the session on the server. Best effort: the client signs out locally whatever happens. */
  logout?(context: BackendContext, session: Session): Promise<void>;
  /** Ends every session of the user, authenticated with a fresh access token. */
  logoutAll?(context: BackendContext, session: Session): Promise<void>;
  /** Ends every session of the user except this one, authenticated with a fresh access token. */
  logoutOthers?(context: BackendContext, session: Session): Promise<void>;
}

export type { TokenGrant, User };

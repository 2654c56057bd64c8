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

/** Input of {@link Backend.resetPassword}: what the reset link carried, and the new password. */
export interface ResetPasswordInput {
  readonly token: string;
  readonly newPassword: string;
  /** The user id of the link (djoser's links carry `uid` and `token`); Baton's carry a token only. */
  readonly uid?: string;
}

/** Input of {@link Backend.verifyEmail}: what the verification link carried. */
export interface VerifyEmailInput {
  readonly token: string;
  /** The user id of the link (djoser's activation links carry `uid` and `token`). */
  readonly uid?: string;
}

/** Input of {@link Backend.changePassword}. */
export interface ChangePasswordInput {
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** Input of {@link Backend.changeEmail}. */
export interface ChangeEmailInput {
  readonly newEmail: string;
  readonly password: string;
}

/** Input of {@link Backend.updateProfile}. `null` removes the name. */
export interface UpdateProfileInput {
  readonly name: string | null;
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

  // Account operations. Each is optional: the client throws `AuthError('not_supported')` for one
  // a backend lacks. Those that take a session are sent with a fresh access token and retried
  // once after a refresh when the server answers 401.

  /** Asks the server to mail a password reset link (servers answer alike for unknown addresses). */
  requestPasswordReset?(context: BackendContext, email: string): Promise<void>;
  /** Sets a new password with the token of a reset link. */
  resetPassword?(context: BackendContext, input: ResetPasswordInput): Promise<void>;
  /** Changes the signed-in user's password; a wrong current password is `invalid_current_password`. */
  changePassword?(context: BackendContext, session: Session, input: ChangePasswordInput): Promise<void>;
  /** Follows a verification (or activation) link. Works signed in or out. */
  verifyEmail?(context: BackendContext, input: VerifyEmailInput): Promise<void>;
  /**
   * Asks for a new verification link: for the signed-in user when `session` is given, else for
   * `email`.
   */
  resendVerification?(
    context: BackendContext,
    input: { readonly email?: string },
    session: Session | null,
  ): Promise<void>;
  /** Starts moving the signed-in account to a new address (confirmed by a link mailed there). */
  changeEmail?(context: BackendContext, session: Session, input: ChangeEmailInput): Promise<void>;
  /** Changes the signed-in user's profile and returns the user as the server now has it. */
  updateProfile?(context: BackendContext, session: Session, input: UpdateProfileInput): Promise<User>;
  /** The signed-in user as the server has it now. */
  currentUser?(context: BackendContext, session: Session): Promise<User>;
  /** Deletes the signed-in user's account, confirmed with the password. */
  deleteAccount?(
    context: BackendContext,
    session: Session,
    input: { readonly password: string },
  ): Promise<void>;
}

export type { TokenGrant, User };

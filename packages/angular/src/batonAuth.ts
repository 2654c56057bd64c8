import { computed, type Signal, signal } from '@angular/core';
import type {
  AuthClient,
  AuthEvent,
  ChangeEmailInput,
  ChangePasswordInput,
  LoginInput,
  LogoutOptions,
  RegisterInput,
  ResetPasswordInput,
  Session,
  UpdateProfileInput,
  User,
  VerifyEmailInput,
} from '@baton/client';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, Subject } from 'rxjs';

/**
 * The signed-in state as Angular signals and as RxJS observables, plus the account operations.
 * Inject it with `inject(BatonAuth)` once {@link provideBaton} is in the application's providers.
 *
 * @example
 * export class ProfilePage {
 *   protected readonly auth = inject(BatonAuth);
 *   // template: @if (auth.user(); as user) { Hello {{ user.name }} }
 * }
 * // or, in an RxJS pipeline:
 * auth.user$.pipe(filter(Boolean)).subscribe((user) => analytics.identify(user.id));
 */
export class BatonAuth {
  readonly #session = signal<Session | null>(null);
  readonly #session$: BehaviorSubject<Session | null>;
  readonly #events$ = new Subject<AuthEvent>();
  /**
   * The current session, `null` when signed out. Updated on sign-in, refresh, sign-out and
   * `user-updated` (a changed profile, a verified address), here or in another tab.
   */
  readonly session: Signal<Session | null> = this.#session.asReadonly();
  /** The signed-in user, when the server described one. */
  readonly user: Signal<User | null> = computed(() => this.#session()?.user ?? null);
  /** Whether a session exists (its access token may still need a refresh). */
  readonly signedIn: Signal<boolean> = computed(() => this.#session() !== null);
  /** The session as an observable: the current value at once, then every change. */
  readonly session$: Observable<Session | null>;
  /** The signed-in user as an observable (distinct values only). */
  readonly user$: Observable<User | null>;
  /** Whether a session exists, as an observable (distinct values only). */
  readonly signedIn$: Observable<boolean>;
  /** Every event of the client from now on (`signed-in`, `refreshed`, `signed-out`, `refresh-unavailable`, ...). */
  readonly events$: Observable<AuthEvent> = this.#events$.asObservable();
  /** Resolves once the stored session has been restored (guards wait for it). */
  readonly ready: Promise<void>;

  readonly #unsubscribe: () => void;

  /** @internal Built by `provideBaton()`; applications inject it instead. */
  constructor(readonly client: AuthClient) {
    this.#session$ = new BehaviorSubject<Session | null>(client.session);
    this.session$ = this.#session$.asObservable();
    this.user$ = this.session$.pipe(
      map((session) => session?.user ?? null),
      distinctUntilChanged(),
    );
    this.signedIn$ = this.session$.pipe(
      map((session) => session !== null),
      distinctUntilChanged(),
    );
    this.#session.set(client.session);
    this.#unsubscribe = client.subscribe((event: AuthEvent) => {
      if (event.type !== 'refresh-unavailable') {
        const session = event.type === 'signed-out' ? null : event.session;
        this.#session.set(session);
        if (this.#session$.value !== session) this.#session$.next(session);
      }
      if (event.type !== 'initial-session') this.#events$.next(event);
    });
    this.ready = client.ready;
  }

  /** Creates an account and signs in. Rejects with the server's `AuthError` (e.g. `email_taken`). */
  register(input: RegisterInput): Promise<Session> {
    return this.client.register(input);
  }

  /** Signs in. Rejects with the server's `AuthError` (e.g. `invalid_credentials`). */
  login(input: LoginInput): Promise<Session> {
    return this.client.login(input);
  }

  /**
   * Ends this session here and on the server; the sign-out navigation follows. With
   * `{ scope: 'others' }` ends the user's other sessions and keeps this one.
   */
  logout(options?: LogoutOptions): Promise<void> {
    return this.client.logout(options);
  }

  /** Ends every session of the user, on every device; rejects (and stays signed in) if the server did not confirm. */
  logoutAll(): Promise<void> {
    return this.client.logoutAll();
  }

  /** Mails a password reset link to `email` (the same answer for unknown addresses). */
  requestPasswordReset(email: string): Promise<void> {
    return this.client.requestPasswordReset(email);
  }

  /**
   * Sets a new password with what the reset link carried (`uid` too for djoser). Rejects with
   * `invalid_reset_token` for a used or unknown link.
   */
  resetPassword(input: ResetPasswordInput): Promise<void> {
    return this.client.resetPassword(input);
  }

  /**
   * Changes the signed-in user's password; the other sessions end, this one stays. Rejects with
   * `invalid_current_password` for a wrong current password.
   */
  changePassword(input: ChangePasswordInput): Promise<void> {
    return this.client.changePassword(input);
  }

  /** Follows a verification link, signed in or out; signed in, {@link user} then shows `emailVerified`. */
  verifyEmail(input: VerifyEmailInput): Promise<void> {
    return this.client.verifyEmail(input);
  }

  /** Mails a new verification link: to the signed-in user, or (signed out) to `email`. */
  resendVerification(input?: { readonly email?: string }): Promise<void> {
    return this.client.resendVerification(input);
  }

  /** Mails a link to `newEmail`; the address changes when it is followed (Baton servers). */
  changeEmail(input: ChangeEmailInput): Promise<void> {
    return this.client.changeEmail(input);
  }

  /**
   * Changes the signed-in user's name (`null` removes it); {@link user} follows, in every tab.
   *
   * @example
   * await auth.updateProfile({ name: form.value.name || null });
   */
  updateProfile(input: UpdateProfileInput): Promise<User> {
    return this.client.updateProfile(input);
  }

  /** Fetches the signed-in user again ({@link user} follows); `null` when signed out. */
  reloadUser(): Promise<User | null> {
    return this.client.reloadUser();
  }

  /**
   * Deletes the account, then signs out with reason `deleted` (the login page gets
   * `?reason=deleted`). Rejects, still signed in, for a wrong password (`invalid_current_password`).
   */
  deleteAccount(input: { readonly password: string }): Promise<void> {
    return this.client.deleteAccount(input);
  }

  /** @internal Stops listening to the client (the injector is being destroyed). */
  disconnect(): void {
    this.#unsubscribe();
    this.#session$.complete();
    this.#events$.complete();
  }
}

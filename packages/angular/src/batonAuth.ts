import { computed, type Signal, signal } from '@angular/core';
import type {
  AuthClient,
  AuthEvent,
  LoginInput,
  LogoutOptions,
  RegisterInput,
  Session,
  User,
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
  /** The current session, `null` when signed out. Updated on sign-in, refresh and sign-out. */
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

  /** @internal Stops listening to the client (the injector is being destroyed). */
  disconnect(): void {
    this.#unsubscribe();
    this.#session$.complete();
    this.#events$.complete();
  }
}

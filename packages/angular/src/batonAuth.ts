import { computed, type Signal, signal } from '@angular/core';
import type { AuthClient, AuthEvent, LoginInput, RegisterInput, Session, User } from '@baton/client';

/**
 * The signed-in state as Angular signals, plus the account operations. Inject it with
 * `inject(BatonAuth)` once {@link provideBaton} is in the application's providers.
 *
 * @example
 * export class ProfilePage {
 *   protected readonly auth = inject(BatonAuth);
 *   // template: @if (auth.user(); as user) { Hello {{ user.name }} }
 * }
 */
export class BatonAuth {
  readonly #session = signal<Session | null>(null);
  /** The current session, `null` when signed out. Updated on sign-in, refresh and sign-out. */
  readonly session: Signal<Session | null> = this.#session.asReadonly();
  /** The signed-in user, when the server described one. */
  readonly user: Signal<User | null> = computed(() => this.#session()?.user ?? null);
  /** Whether a session exists (its access token may still need a refresh). */
  readonly signedIn: Signal<boolean> = computed(() => this.#session() !== null);
  /** Resolves once the stored session has been restored (guards wait for it). */
  readonly ready: Promise<void>;

  readonly #unsubscribe: () => void;

  /** @internal Built by `provideBaton()`; applications inject it instead. */
  constructor(readonly client: AuthClient) {
    this.#unsubscribe = client.subscribe((event: AuthEvent) => {
      this.#session.set(event.type === 'signed-out' ? null : event.session);
    });
    // Restoring from storage emits no event: read the restored session once it is there.
    this.ready = client.ready.then(() => this.#session.set(client.session));
    this.#session.set(client.session);
  }

  /** Creates an account and signs in. Rejects with the server's `AuthError` (e.g. `email_taken`). */
  register(input: RegisterInput): Promise<Session> {
    return this.client.register(input);
  }

  /** Signs in. Rejects with the server's `AuthError` (e.g. `invalid_credentials`). */
  login(input: LoginInput): Promise<Session> {
    return this.client.login(input);
  }

  /** Ends this session here and on the server; the sign-out navigation follows. */
  logout(): Promise<void> {
    return this.client.logout();
  }

  /** Ends every session of the user, on every device. */
  logoutAll(): Promise<void> {
    return this.client.logoutAll();
  }

  /** @internal Stops listening to the client (the injector is being destroyed). */
  disconnect(): void {
    this.#unsubscribe();
  }
}

import { Component, computed, inject, signal } from '@angular/core';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { errorMessage } from './errorMessage';

/**
 * Asks a signed-in user whose address is not confirmed yet to follow the mailed link, and mails a
 * new one on request. Shows nothing for confirmed users, nor when the server does not say
 * (`emailVerified: null`).
 */
@Component({
  selector: 'app-verify-banner',
  imports: [IonButton],
  template: `
    @if (unverified(); as email) {
      <section class="verify-banner" data-testid="verify-banner">
        <p>Confirm your email address: follow the link we mailed to {{ email }}.</p>
        <ion-button data-testid="resend-verification" size="small" fill="outline" [disabled]="busy()" (click)="resend()">
          Send the link again
        </ion-button>
        @if (sent()) {
          <p data-testid="resend-sent" role="status">A new link is on its way to {{ email }}. Check the inbox.</p>
        }
        @if (error(); as message) {
          <p class="form-error" data-testid="resend-error" role="alert">{{ message }}</p>
        }
      </section>
    }
  `,
  styles: `
    .verify-banner {
      margin: 12px 16px;
      padding: 12px 16px;
      border-radius: 8px;
      background: var(--ion-color-warning-tint);
      color: var(--ion-color-warning-contrast);
    }
    .verify-banner p { margin: 0 0 8px; }
    .verify-banner ion-button { --color: var(--ion-color-warning-contrast); --border-color: currentColor; }
  `,
})
export class VerifyBannerComponent {
  readonly #auth = inject(BatonAuth);
  /** The address to confirm, or null when there is nothing to confirm. */
  protected readonly unverified = computed(() => {
    const user = this.#auth.user();
    return user?.emailVerified === false ? user.email : null;
  });
  protected readonly busy = signal(false);
  protected readonly sent = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async resend(): Promise<void> {
    this.busy.set(true);
    this.sent.set(false);
    this.error.set(null);
    try {
      await this.#auth.resendVerification();
      this.sent.set(true);
    } catch (error) {
      this.error.set(errorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}

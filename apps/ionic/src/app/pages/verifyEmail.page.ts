import { Component, inject, input, type OnInit, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { BrandComponent } from '../ui/brand';
import { errorMessage } from '../ui/errorMessage';

type Outcome = { state: 'verifying' } | { state: 'verified' } | { state: 'failed'; message: string };

/**
 * Where an email link leads (`/verify-email?token=...`): a new account's address, or the new
 * address of an email change. Confirms on arrival, signed in or not, and says how it went.
 */
@Component({
  selector: 'app-verify-email',
  imports: [RouterLink, BrandComponent, IonHeader, IonToolbar, IonTitle, IonContent, IonButton, IonSpinner],
  template: `
    <ion-header><ion-toolbar color="primary"><ion-title>Confirm your email</ion-title></ion-toolbar></ion-header>
    <ion-content class="ion-padding">
      <main class="column">
        <app-brand />
        @switch (outcome().state) {
          @case ('verifying') {
            <div class="ion-text-center ion-padding"><ion-spinner aria-label="Confirming your email address" /></div>
          }
          @case ('verified') {
            <p class="confirmation" data-testid="verified" role="status">Your email address is confirmed. Thank you.</p>
          }
          @case ('failed') {
            <p class="form-error" data-testid="error" role="alert">{{ failure() }}</p>
          }
        }
        @if (outcome().state !== 'verifying') {
          @if (auth.signedIn()) {
            <ion-button data-testid="continue" routerLink="/todos" expand="block">Go to your todos</ion-button>
          } @else {
            <ion-button data-testid="continue" routerLink="/login" expand="block">Sign in</ion-button>
          }
        }
      </main>
    </ion-content>
  `,
})
export class VerifyEmailPage implements OnInit {
  /** The one-time token of the mailed link (bound from the query string). */
  readonly token = input<string | undefined>();
  protected readonly auth = inject(BatonAuth);
  protected readonly outcome = signal<Outcome>({ state: 'verifying' });

  protected failure(): string {
    const outcome = this.outcome();
    return outcome.state === 'failed' ? outcome.message : '';
  }

  ngOnInit(): void {
    // Inputs are bound by now, not yet in the constructor.
    void this.#verify(this.token());
  }

  async #verify(token: string | undefined): Promise<void> {
    if (token === undefined || token === '') {
      this.outcome.set({
        state: 'failed',
        message: 'This link is incomplete: open the whole link from the mail.',
      });
      return;
    }
    try {
      await this.auth.verifyEmail({ token });
      this.outcome.set({ state: 'verified' });
    } catch (error) {
      this.outcome.set({ state: 'failed', message: errorMessage(error) });
    }
  }
}

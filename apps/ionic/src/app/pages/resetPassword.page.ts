import { Component, computed, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { BatonAuth } from '@baton/angular';
import { AuthError } from '@baton/client';
import { IonButton } from '@ionic/angular/ion-button';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonInput } from '@ionic/angular/ion-input';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { NavController } from '@ionic/angular/nav-controller';
import { BrandComponent } from '../ui/brand';
import {
  clearOnChange,
  fieldError,
  PASSWORD_HINT,
  passwordValidators,
  refuseField,
  requireFields,
  showProblem,
} from '../ui/credentials';
import { describeError } from '../ui/errorMessage';

/** The codes after which this link can never work: the user needs a new one. */
const DEAD_LINK = new Set(['invalid_reset_token', 'reset_token_expired']);

/** Where a password reset link leads (`/reset-password?token=...`): choose the new password. */
@Component({
  selector: 'app-reset-password',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    BrandComponent,
    IonHeader,
    IonToolbar,
    IonTitle,
    IonContent,
    IonInput,
    IonButton,
    IonSpinner,
  ],
  template: `
    <ion-header><ion-toolbar color="primary"><ion-title>Choose a new password</ion-title></ion-toolbar></ion-header>
    <ion-content class="ion-padding">
      <main class="column">
        <app-brand />
        @if (deadLink(); as message) {
          <p class="form-error" data-testid="link-error" role="alert">{{ message }}</p>
          <ion-button data-testid="new-link" routerLink="/forgot-password" expand="block">Ask for a new link</ion-button>
        } @else {
          <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
            <ion-input data-testid="password" formControlName="password" type="password" label="New password"
              labelPlacement="stacked" fill="outline" autocomplete="new-password" [helperText]="passwordHint"
              [errorText]="fieldError(form.controls.password, messages.password)" />
            <ion-input data-testid="confirmation" formControlName="confirmation" type="password"
              label="New password, again" labelPlacement="stacked" fill="outline" autocomplete="new-password"
              [errorText]="fieldError(form.controls.confirmation, messages.confirmation)" />
            @if (error(); as message) {
              <p class="form-error" data-testid="error" role="alert">{{ message }}</p>
            }
            <ion-button data-testid="submit" type="submit" expand="block" [disabled]="busy()">
              @if (busy()) { <ion-spinner name="dots" aria-label="Changing the password" /> } @else { Change the password }
            </ion-button>
          </form>
        }
        <p><a routerLink="/login">Back to sign in</a></p>
      </main>
    </ion-content>
  `,
})
export class ResetPasswordPage {
  /** The one-time token of the mailed link (bound from the query string). */
  readonly token = input<string | undefined>();
  protected readonly passwordHint = PASSWORD_HINT;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** Set once the server said this link cannot work (used, replaced or expired). */
  readonly #refused = signal<string | null>(null);
  protected readonly deadLink = computed(() => {
    const token = this.token();
    if (token === undefined || token === '')
      return 'This link is incomplete: open the whole link from the mail, or ask for a new one.';
    return this.#refused();
  });
  protected readonly form = inject(NonNullableFormBuilder).group({
    password: ['', passwordValidators],
    confirmation: [''],
  });
  protected readonly fieldError = fieldError;
  protected readonly messages = {
    password: { required: 'Choose a new password.', invalid: 'Use 8 to 128 characters.' },
    confirmation: { required: 'Type the new password again.', invalid: 'Type the same password twice.' },
  };
  readonly #auth = inject(BatonAuth);
  readonly #nav = inject(NavController);

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['password', 'confirmation']);
    const { password, confirmation } = this.form.getRawValue();
    if (this.form.valid && password !== confirmation) {
      // Shown like a server refusal: on the second field, until the user changes either.
      refuseField(this.form, 'confirmation', 'The two passwords differ. Type the same one twice.', [
        'password',
      ]);
    }
    const token = this.token();
    if (this.form.invalid || this.busy() || token === undefined) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.#auth.resetPassword({ token, newPassword: password });
      // The reset ended every session of the account, this device's too if it had one: forget
      // it here now (the server already has), so the login page is not skipped as for a guest.
      if (this.#auth.signedIn()) await this.#auth.logout();
      await this.#nav.navigateRoot('/login', { queryParams: { notice: 'password-reset' }, replaceUrl: true });
    } catch (error) {
      const problem = describeError(error);
      if (error instanceof AuthError && DEAD_LINK.has(error.code)) this.#refused.set(problem.message);
      else this.error.set(showProblem(this.form, problem));
    } finally {
      this.busy.set(false);
    }
  }
}

import { Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonInput } from '@ionic/angular/ion-input';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import {
  clearOnChange,
  EMAIL_ERRORS,
  emailValidators,
  fieldError,
  passwordValidators,
  requireFields,
  showProblem,
} from '../../ui/credentials';
import { describeError } from '../../ui/errorMessage';

/** Moves the account to another address, once the link mailed there is followed. */
@Component({
  selector: 'app-email-form',
  imports: [ReactiveFormsModule, IonInput, IonButton, IonSpinner],
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate aria-labelledby="email-heading">
      <h2 id="email-heading">Email</h2>
      <p data-testid="current-email">You sign in with {{ auth.user()?.email }}.</p>
      <ion-input data-testid="new-email" formControlName="email" type="email" label="New email address"
        labelPlacement="stacked" fill="outline" autocomplete="email" inputmode="email"
        [errorText]="fieldError(form.controls.email, messages.email)" />
      <ion-input data-testid="email-password" formControlName="currentPassword" type="password"
        label="Current password" labelPlacement="stacked" fill="outline" autocomplete="current-password"
        [errorText]="fieldError(form.controls.currentPassword, messages.current)" />
      @if (sentTo(); as email) {
        <p class="confirmation" data-testid="email-change-sent" role="status">
          Check the inbox of {{ email }}: follow the link there to move your account to it. Until then
          you keep signing in with your current address.
        </p>
      }
      @if (error(); as message) {
        <p class="form-error" data-testid="email-error" role="alert">{{ message }}</p>
      }
      <ion-button data-testid="change-email" type="submit" [disabled]="busy()">
        @if (busy()) { <ion-spinner name="dots" aria-label="Sending the link" /> } @else { Change the email }
      </ion-button>
    </form>
  `,
})
export class EmailFormComponent {
  protected readonly auth = inject(BatonAuth);
  protected readonly busy = signal(false);
  protected readonly sentTo = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  // The control is `email` so that the server's refusals about the address land on it.
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', emailValidators],
    currentPassword: ['', passwordValidators],
  });
  protected readonly fieldError = fieldError;
  protected readonly messages = {
    email: EMAIL_ERRORS,
    current: { required: 'Enter your current password.', invalid: 'Passwords have 8 to 128 characters.' },
  };

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['email', 'currentPassword']);
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.sentTo.set(null);
    this.error.set(null);
    const { email, currentPassword } = this.form.getRawValue();
    try {
      await this.auth.changeEmail({ newEmail: email, password: currentPassword });
      this.form.reset();
      this.sentTo.set(email);
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }
}

import { Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonInput } from '@ionic/angular/ion-input';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import {
  clearOnChange,
  fieldError,
  PASSWORD_HINT,
  passwordValidators,
  requireFields,
  showProblem,
} from '../../ui/credentials';
import { describeError } from '../../ui/errorMessage';

/** Changes the password; the server signs out every other device. */
@Component({
  selector: 'app-password-form',
  imports: [ReactiveFormsModule, IonInput, IonButton, IonSpinner],
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <ion-input data-testid="current-password" formControlName="currentPassword" type="password"
        label="Current password" labelPlacement="stacked" fill="outline" autocomplete="current-password"
        [errorText]="fieldError(form.controls.currentPassword, messages.current)" />
      <ion-input data-testid="new-password" formControlName="password" type="password" label="New password"
        labelPlacement="stacked" fill="outline" autocomplete="new-password" [helperText]="passwordHint"
        [errorText]="fieldError(form.controls.password, messages.password)" />
      @if (changed()) {
        <p class="confirmation" data-testid="password-changed" role="status">
          Your password is changed. Your other devices are signed out; this one stays signed in.
        </p>
      }
      @if (error(); as message) {
        <p class="form-error" data-testid="password-error" role="alert">{{ message }}</p>
      }
      <ion-button data-testid="change-password" type="submit" [disabled]="busy()">
        @if (busy()) { <ion-spinner name="dots" aria-label="Changing the password" /> } @else { Change the password }
      </ion-button>
    </form>
  `,
})
export class PasswordFormComponent {
  readonly #auth = inject(BatonAuth);
  protected readonly passwordHint = PASSWORD_HINT;
  protected readonly busy = signal(false);
  protected readonly changed = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    currentPassword: ['', passwordValidators],
    password: ['', passwordValidators],
  });
  protected readonly fieldError = fieldError;
  protected readonly messages = {
    current: { required: 'Enter your current password.', invalid: 'Passwords have 8 to 128 characters.' },
    password: { required: 'Choose a new password.', invalid: 'Use 8 to 128 characters.' },
  };

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['currentPassword', 'password']);
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.changed.set(false);
    this.error.set(null);
    const { currentPassword, password } = this.form.getRawValue();
    try {
      await this.#auth.changePassword({ currentPassword, newPassword: password });
      this.form.reset();
      this.changed.set(true);
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }
}

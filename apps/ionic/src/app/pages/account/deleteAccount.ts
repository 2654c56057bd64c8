import { Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonInput } from '@ionic/angular/ion-input';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { Confirm } from '../../ui/confirm';
import {
  clearOnChange,
  fieldError,
  passwordValidators,
  requireFields,
  showProblem,
} from '../../ui/credentials';
import { describeError } from '../../ui/errorMessage';

/** Deletes the account and everything of it, after the password and a confirmation. */
@Component({
  selector: 'app-delete-account',
  imports: [ReactiveFormsModule, IonInput, IonButton, IonSpinner],
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete the account</h2>
      <p>Your account, your todos and every session are deleted at once. This cannot be undone.</p>
      <ion-input data-testid="delete-password" formControlName="currentPassword" type="password"
        label="Current password" labelPlacement="stacked" fill="outline" autocomplete="current-password"
        [errorText]="fieldError(form.controls.currentPassword, messages.current)" />
      @if (error(); as message) {
        <p class="form-error" data-testid="delete-error" role="alert">{{ message }}</p>
      }
      <ion-button data-testid="delete-account" type="submit" color="danger" [disabled]="busy()">
        @if (busy()) { <ion-spinner name="dots" aria-label="Deleting the account" /> } @else { Delete my account }
      </ion-button>
    </form>
  `,
})
export class DeleteAccountComponent {
  readonly #auth = inject(BatonAuth);
  readonly #confirm = inject(Confirm);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    currentPassword: ['', passwordValidators],
  });
  protected readonly fieldError = fieldError;
  protected readonly messages = {
    current: {
      required: 'Enter your password to delete the account.',
      invalid: 'Passwords have 8 to 128 characters.',
    },
  };

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['currentPassword']);
    if (this.form.invalid || this.busy()) return;
    const sure = await this.#confirm.ask({
      header: 'Delete your account?',
      message: 'Your account, your todos and every session are deleted at once. This cannot be undone.',
      action: 'Delete the account',
    });
    if (!sure) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      // Deleting signs out (reason `deleted`): the sign-out navigation takes this page away.
      await this.#auth.deleteAccount({ password: this.form.getRawValue().currentPassword });
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }
}

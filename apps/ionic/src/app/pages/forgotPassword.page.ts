import { Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonInput } from '@ionic/angular/ion-input';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { BrandComponent } from '../ui/brand';
import {
  clearOnChange,
  EMAIL_ERRORS,
  emailValidators,
  fieldError,
  requireFields,
  showProblem,
} from '../ui/credentials';
import { describeError } from '../ui/errorMessage';

/** Asks for a password reset link. */
@Component({
  selector: 'app-forgot-password',
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
    <ion-header><ion-toolbar color="primary"><ion-title>Forgot password</ion-title></ion-toolbar></ion-header>
    <ion-content class="ion-padding">
      <main class="column">
        <app-brand />
        @if (sentTo(); as email) {
          <p class="confirmation" data-testid="reset-requested" role="status">
            If an account uses {{ email }}, a link to choose a new password is on its way to it.
            Check the inbox (and the spam folder), then follow the link.
          </p>
          <ion-button fill="outline" expand="block" (click)="again()">Use another address</ion-button>
        } @else {
          <p>Enter the email address of your account. We will mail you a link to choose a new password.</p>
          <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
            <ion-input data-testid="forgot-email" formControlName="email" type="email" label="Email"
              labelPlacement="stacked" fill="outline" autocomplete="email" inputmode="email"
              [errorText]="fieldError(form.controls.email, emailErrors)" />
            @if (error(); as message) {
              <p class="form-error" data-testid="forgot-error" role="alert">{{ message }}</p>
            }
            <ion-button data-testid="forgot-submit" type="submit" expand="block" [disabled]="busy()">
              @if (busy()) { <ion-spinner name="dots" aria-label="Sending the link" /> } @else { Send the link }
            </ion-button>
          </form>
        }
        <p><a routerLink="/login">Back to sign in</a></p>
      </main>
    </ion-content>
  `,
})
export class ForgotPasswordPage {
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** The address the link was asked for; the page then says the same whether or not it has an account. */
  protected readonly sentTo = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({ email: ['', emailValidators] });
  protected readonly fieldError = fieldError;
  protected readonly emailErrors = EMAIL_ERRORS;
  readonly #auth = inject(BatonAuth);

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['email']);
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    const { email } = this.form.getRawValue();
    try {
      await this.#auth.requestPasswordReset(email);
      this.sentTo.set(email);
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }

  protected again(): void {
    this.sentTo.set(null);
  }
}

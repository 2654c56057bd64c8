import { Component, computed, inject, input, signal } from '@angular/core';
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
  passwordValidators,
  requireFields,
  showProblem,
} from '../ui/credentials';
import { describeError } from '../ui/errorMessage';
import { accountNotice, signOutNotice } from '../ui/signOutNotice';

@Component({
  selector: 'app-login',
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
    <ion-header><ion-toolbar color="primary"><ion-title>Sign in</ion-title></ion-toolbar></ion-header>
    <ion-content class="ion-padding">
      <main class="column">
        <app-brand />
        @if (signedOut(); as message) {
          <p class="notice" data-testid="sign-out-notice" role="status">{{ message }}</p>
        }
        @if (done(); as message) {
          <p class="notice notice-done" data-testid="account-notice" role="status">{{ message }}</p>
        }
        <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
          <ion-input data-testid="email" formControlName="email" type="email" label="Email"
            labelPlacement="stacked" fill="outline" autocomplete="email" inputmode="email"
            [errorText]="fieldError(form.controls.email, messages.email)" />
          <ion-input data-testid="password" formControlName="password" type="password" label="Password"
            labelPlacement="stacked" fill="outline" autocomplete="current-password"
            [errorText]="fieldError(form.controls.password, messages.password)" />
          @if (error(); as message) {
            <p class="form-error" data-testid="error" role="alert">{{ message }}</p>
          }
          <ion-button data-testid="submit" type="submit" expand="block" [disabled]="busy()">
            @if (busy()) { <ion-spinner name="dots" aria-label="Signing in" /> } @else { Sign in }
          </ion-button>
        </form>
        <p><a data-testid="forgot-password" routerLink="/forgot-password">Forgot password?</a></p>
        <p>No account yet? <a routerLink="/register" [queryParams]="{ returnUrl: returnUrl() }">Create one</a></p>
      </main>
    </ion-content>
  `,
})
export class LoginPage {
  /** Where the guard or a forced sign-out came from (bound from the query string). */
  readonly returnUrl = input<string | undefined>();
  /** Why the session ended, after a forced sign-out (bound from the query string). */
  readonly reason = input<string | undefined>();
  /** What just happened to the account, e.g. `password-reset` (bound from the query string). */
  readonly notice = input<string | undefined>();
  protected readonly signedOut = computed(() => signOutNotice(this.reason()));
  protected readonly done = computed(() => accountNotice(this.notice()));
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', emailValidators],
    password: ['', passwordValidators],
  });
  readonly #auth = inject(BatonAuth);

  protected readonly fieldError = fieldError;
  protected readonly messages = {
    email: EMAIL_ERRORS,
    password: { required: 'Enter your password.', invalid: 'Passwords have 8 to 128 characters.' },
  };

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['email', 'password']);
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      // Signing in leaves this page by itself (provideBaton follows the new session to returnUrl).
      await this.#auth.login(this.form.getRawValue());
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }
}

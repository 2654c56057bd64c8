import { Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
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
  PASSWORD_HINT,
  passwordValidators,
  requireFields,
  showProblem,
} from '../ui/credentials';
import { describeError } from '../ui/errorMessage';

@Component({
  selector: 'app-register',
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
    <ion-header><ion-toolbar color="primary"><ion-title>Create an account</ion-title></ion-toolbar></ion-header>
    <ion-content class="ion-padding">
      <main class="column">
        <app-brand />
        <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
          <ion-input data-testid="name" formControlName="name" label="Name (optional)"
            labelPlacement="stacked" fill="outline" autocomplete="name"
            helperText="Shown on your todos page." errorText="Names have at most 100 characters." />
          <ion-input data-testid="email" formControlName="email" type="email" label="Email"
            labelPlacement="stacked" fill="outline" autocomplete="email" inputmode="email"
            [errorText]="fieldError(form.controls.email, messages.email)" />
          <ion-input data-testid="password" formControlName="password" type="password" label="Password"
            labelPlacement="stacked" fill="outline" autocomplete="new-password" [helperText]="passwordHint"
            [errorText]="fieldError(form.controls.password, messages.password)" />
          @if (error(); as message) {
            <p class="form-error" data-testid="error" role="alert">{{ message }}</p>
          }
          <ion-button data-testid="submit" type="submit" expand="block" [disabled]="busy()">
            @if (busy()) { <ion-spinner name="dots" aria-label="Creating the account" /> } @else { Create account }
          </ion-button>
        </form>
        <p>Already registered? <a routerLink="/login" [queryParams]="{ returnUrl: returnUrl() }">Sign in</a></p>
      </main>
    </ion-content>
  `,
})
export class RegisterPage {
  readonly returnUrl = input<string | undefined>();
  protected readonly passwordHint = PASSWORD_HINT;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.maxLength(100)]],
    email: ['', emailValidators],
    password: ['', passwordValidators],
  });
  readonly #auth = inject(BatonAuth);

  protected readonly fieldError = fieldError;
  protected readonly messages = {
    email: EMAIL_ERRORS,
    password: { required: 'Choose a password.', invalid: 'Use 8 to 128 characters.' },
  };

  constructor() {
    clearOnChange(this.form, this.error);
  }

  protected async submit(): Promise<void> {
    requireFields(this.form, ['email', 'password']);
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    const { name, email, password } = this.form.getRawValue();
    try {
      // Registering signs in, and provideBaton leaves this page for returnUrl or the todos.
      await this.#auth.register(
        name.trim() === '' ? { email, password } : { email, password, name: name.trim() },
      );
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }
}

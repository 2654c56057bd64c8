import { Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { BatonAuth, safeReturnUrl } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonInput } from '@ionic/angular/ion-input';
import { IonList } from '@ionic/angular/ion-list';
import { IonNote } from '@ionic/angular/ion-note';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { IonText } from '@ionic/angular/ion-text';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { NavController } from '@ionic/angular/nav-controller';
import { emailValidators, passwordValidators } from '../ui/credentials';
import { errorMessage } from '../ui/errorMessage';

@Component({
  selector: 'app-login',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    IonHeader,
    IonToolbar,
    IonTitle,
    IonContent,
    IonList,
    IonInput,
    IonButton,
    IonNote,
    IonText,
    IonSpinner,
  ],
  template: `
    <ion-header><ion-toolbar color="primary"><ion-title>Sign in</ion-title></ion-toolbar></ion-header>
    <ion-content class="ion-padding">
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <ion-list>
          <ion-input data-testid="email" formControlName="email" type="email" label="Email"
            labelPlacement="stacked" autocomplete="email" inputmode="email"
            errorText="Enter a valid email address." />
          <ion-input data-testid="password" formControlName="password" type="password" label="Password"
            labelPlacement="stacked" autocomplete="current-password"
            errorText="The password has 8 to 128 characters." />
        </ion-list>
        @if (error(); as message) {
          <ion-text color="danger"><p data-testid="error" role="alert">{{ message }}</p></ion-text>
        }
        <ion-button data-testid="submit" type="submit" expand="block" [disabled]="busy()">
          @if (busy()) { <ion-spinner name="dots" /> } @else { Sign in }
        </ion-button>
      </form>
      <ion-note><p>No account yet? <a routerLink="/register" [queryParams]="{ returnUrl: returnUrl() }">Create one</a></p></ion-note>
    </ion-content>
  `,
})
export class LoginPage {
  /** Where the guard was going before it sent the user here (bound from the query string). */
  readonly returnUrl = input<string | undefined>();
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', emailValidators],
    password: ['', passwordValidators],
  });
  readonly #auth = inject(BatonAuth);
  readonly #nav = inject(NavController);

  protected async submit(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.#auth.login(this.form.getRawValue());
      await this.#nav.navigateRoot(safeReturnUrl(this.returnUrl()) ?? '/todos', { replaceUrl: true });
    } catch (error) {
      this.error.set(errorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}

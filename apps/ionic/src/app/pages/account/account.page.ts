import { Component } from '@angular/core';
import { IonBackButton } from '@ionic/angular/ion-back-button';
import { IonButtons } from '@ionic/angular/ion-buttons';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { VerifyBannerComponent } from '../../ui/verifyBanner';
import { DeleteAccountComponent } from './deleteAccount';
import { EmailFormComponent } from './emailForm';
import { PasswordFormComponent } from './passwordForm';
import { ProfileFormComponent } from './profileForm';

/** The signed-in user's account: name, email, password, and deleting it all. */
@Component({
  selector: 'app-account',
  imports: [
    IonHeader,
    IonToolbar,
    IonTitle,
    IonButtons,
    IonBackButton,
    IonContent,
    VerifyBannerComponent,
    ProfileFormComponent,
    EmailFormComponent,
    PasswordFormComponent,
    DeleteAccountComponent,
  ],
  template: `
    <ion-header>
      <ion-toolbar color="primary">
        <ion-buttons slot="start"><ion-back-button defaultHref="/todos" text="Todos" /></ion-buttons>
        <ion-title>Account</ion-title>
      </ion-toolbar>
    </ion-header>
    <ion-content>
      <main class="column">
        <app-verify-banner />
        <div class="ion-padding account-sections">
          <app-profile-form />
          <app-email-form />
          <app-password-form />
          <app-delete-account />
        </div>
      </main>
    </ion-content>
  `,
})
export class AccountPage {}

import { DatePipe } from '@angular/common';
import { Component, inject, signal } from '@angular/core';
import { BatonAuth } from '@baton/angular';
import type { RefresherCustomEvent } from '@ionic/angular';
import { IonBackButton } from '@ionic/angular/ion-back-button';
import { IonBadge } from '@ionic/angular/ion-badge';
import { IonButton } from '@ionic/angular/ion-button';
import { IonButtons } from '@ionic/angular/ion-buttons';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonItem } from '@ionic/angular/ion-item';
import { IonLabel } from '@ionic/angular/ion-label';
import { IonList } from '@ionic/angular/ion-list';
import { IonRefresher } from '@ionic/angular/ion-refresher';
import { IonRefresherContent } from '@ionic/angular/ion-refresher-content';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { type DeviceSession, Devices } from '../data/devices';
import { Confirm } from '../ui/confirm';
import { deviceName } from '../ui/deviceName';
import { ErrorToast } from '../ui/errorToast';

@Component({
  selector: 'app-sessions',
  imports: [
    DatePipe,
    IonHeader,
    IonToolbar,
    IonTitle,
    IonButtons,
    IonBackButton,
    IonButton,
    IonContent,
    IonRefresher,
    IonRefresherContent,
    IonList,
    IonItem,
    IonLabel,
    IonBadge,
    IonSpinner,
  ],
  template: `
    <ion-header>
      <ion-toolbar color="primary">
        <ion-buttons slot="start"><ion-back-button defaultHref="/todos" text="Todos" /></ion-buttons>
        <ion-title>Sessions</ion-title>
      </ion-toolbar>
    </ion-header>
    <ion-content>
      <ion-refresher slot="fixed" (ionRefresh)="pullToRefresh($event)"><ion-refresher-content /></ion-refresher>
      <main class="column">
        <p class="ion-padding-horizontal">Every device where you are signed in. Revoke one you do not recognise.</p>
        @if (devices.list(); as sessions) {
          <ion-list>
            @for (session of sessions; track session.id) {
              <ion-item data-testid="session-item" [attr.data-current]="session.current">
                <ion-label>
                  <h2 [title]="session.userAgent ?? ''">{{ deviceName(session.userAgent) }}</h2>
                  <p>Signed in {{ session.createdAt | date: 'medium' }}{{ session.ip ? ' from ' + session.ip : '' }}</p>
                  <p>Last active {{ session.lastUsedAt | date: 'medium' }}</p>
                </ion-label>
                @if (session.current) {
                  <ion-badge slot="end" color="success">This device</ion-badge>
                } @else {
                  <ion-button data-testid="session-revoke" slot="end" fill="outline" color="danger"
                    [disabled]="busy()" (click)="revoke(session)"
                    [attr.aria-label]="'Revoke ' + deviceName(session.userAgent)">Revoke</ion-button>
                }
              </ion-item>
            }
          </ion-list>
        } @else if (loading()) {
          <div class="ion-text-center ion-padding"><ion-spinner aria-label="Loading the sessions" /></div>
        }
        <div class="ion-padding">
          <ion-button data-testid="logout-others" expand="block" fill="outline" [disabled]="busy()" (click)="logoutOthers()">
            Sign out the other devices
          </ion-button>
          <ion-button data-testid="logout-all" expand="block" color="danger" [disabled]="busy()" (click)="logoutAll()">
            Sign out everywhere
          </ion-button>
        </div>
      </main>
    </ion-content>
  `,
})
export class SessionsPage {
  protected readonly deviceName = deviceName;
  protected readonly devices = inject(Devices);
  protected readonly loading = signal(true);
  protected readonly busy = signal(false);
  readonly #auth = inject(BatonAuth);
  readonly #errors = inject(ErrorToast);
  readonly #confirm = inject(Confirm);

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    try {
      await this.devices.load();
    } catch (error) {
      await this.#errors.show(error);
    } finally {
      this.loading.set(false);
    }
  }

  protected async pullToRefresh(event: RefresherCustomEvent): Promise<void> {
    await this.load();
    await event.target.complete();
  }

  protected async revoke(session: DeviceSession): Promise<void> {
    const name = deviceName(session.userAgent);
    const sure = await this.#confirm.ask({
      header: `Revoke ${name}?`,
      message: 'That device is signed out at once and needs the password to sign in again.',
      action: 'Revoke',
    });
    if (sure) await this.#busy(() => this.devices.revoke(session.id));
  }

  protected async logoutOthers(): Promise<void> {
    const sure = await this.#confirm.ask({
      header: 'Sign out the other devices?',
      message: 'Every other device is signed out at once. This one stays signed in.',
      action: 'Sign out others',
    });
    if (sure)
      await this.#busy(async () => {
        await this.#auth.logout({ scope: 'others' });
        await this.devices.load();
      });
  }

  protected async logoutAll(): Promise<void> {
    const sure = await this.#confirm.ask({
      header: 'Sign out everywhere?',
      message: 'Every device, this one included, is signed out at once.',
      action: 'Sign out everywhere',
    });
    // Once the server confirmed, the sign-out navigation takes this page away.
    if (sure) await this.#busy(() => this.#auth.logoutAll());
  }

  async #busy(action: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    try {
      await action();
    } catch (error) {
      await this.#errors.show(error);
    } finally {
      this.busy.set(false);
    }
  }
}

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
import { type DeviceSession, SessionsApi } from '../data/sessionsApi';
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
        <ion-buttons slot="start"><ion-back-button defaultHref="/todos" /></ion-buttons>
        <ion-title>Sessions</ion-title>
      </ion-toolbar>
    </ion-header>
    <ion-content>
      <ion-refresher slot="fixed" (ionRefresh)="pullToRefresh($event)"><ion-refresher-content /></ion-refresher>
      @if (loading() && sessions().length === 0) {
        <div class="ion-text-center ion-padding"><ion-spinner /></div>
      } @else {
        <ion-list>
          @for (session of sessions(); track session.id) {
            <ion-item data-testid="session-item" [attr.data-current]="session.current">
              <ion-label>
                <h2 [title]="session.userAgent ?? ''">{{ deviceName(session.userAgent) }}</h2>
                <p>Signed in {{ session.createdAt | date: 'medium' }}{{ session.ip ? ' from ' + session.ip : '' }}</p>
                <p>Last active {{ (session.lastUsedAt || session.createdAt) | date: 'medium' }}</p>
              </ion-label>
              @if (session.current) {
                <ion-badge slot="end" color="success">This device</ion-badge>
              } @else {
                <ion-button data-testid="session-revoke" slot="end" fill="outline" color="danger"
                  [disabled]="busy()" (click)="revoke(session)">Revoke</ion-button>
              }
            </ion-item>
          }
        </ion-list>
      }
      <div class="ion-padding">
        <ion-button data-testid="logout-all" expand="block" color="danger" [disabled]="busy()" (click)="logoutAll()">
          Sign out everywhere
        </ion-button>
      </div>
    </ion-content>
  `,
})
export class SessionsPage {
  protected readonly deviceName = deviceName;
  protected readonly sessions = signal<DeviceSession[]>([]);
  protected readonly loading = signal(true);
  protected readonly busy = signal(false);
  readonly #api = inject(SessionsApi);
  readonly #auth = inject(BatonAuth);
  readonly #errors = inject(ErrorToast);

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    try {
      this.sessions.set(await this.#api.list());
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
    this.busy.set(true);
    try {
      await this.#api.revoke(session.id);
      this.sessions.update((sessions) => sessions.filter((each) => each.id !== session.id));
    } catch (error) {
      await this.#errors.show(error);
    } finally {
      this.busy.set(false);
    }
  }

  protected async logoutAll(): Promise<void> {
    this.busy.set(true);
    try {
      // Ends every session; the sign-out handler then navigates to /login.
      await this.#auth.logoutAll();
    } catch (error) {
      await this.#errors.show(error);
    } finally {
      this.busy.set(false);
    }
  }
}

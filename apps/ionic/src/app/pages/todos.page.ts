import { HttpErrorResponse } from '@angular/common/http';
import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { BatonAuth } from '@baton/angular';
import { SessionExpiredError } from '@baton/client';
import type { RefresherCustomEvent } from '@ionic/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonButtons } from '@ionic/angular/ion-buttons';
import { IonCheckbox } from '@ionic/angular/ion-checkbox';
import { IonContent } from '@ionic/angular/ion-content';
import { IonHeader } from '@ionic/angular/ion-header';
import { IonInput } from '@ionic/angular/ion-input';
import { IonItem } from '@ionic/angular/ion-item';
import { IonLabel } from '@ionic/angular/ion-label';
import { IonList } from '@ionic/angular/ion-list';
import { IonRefresher } from '@ionic/angular/ion-refresher';
import { IonRefresherContent } from '@ionic/angular/ion-refresher-content';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { IonTitle } from '@ionic/angular/ion-title';
import { IonToolbar } from '@ionic/angular/ion-toolbar';
import { Devices } from '../data/devices';
import { TodoDraft } from '../data/todoDraft';
import { type Todo, TodosApi } from '../data/todosApi';
import { errorMessage } from '../ui/errorMessage';
import { ErrorToast } from '../ui/errorToast';
import { VerifyBannerComponent } from '../ui/verifyBanner';

@Component({
  selector: 'app-todos',
  imports: [
    FormsModule,
    RouterLink,
    IonHeader,
    IonToolbar,
    IonTitle,
    IonButtons,
    IonButton,
    IonContent,
    IonRefresher,
    IonRefresherContent,
    IonList,
    IonItem,
    IonLabel,
    IonCheckbox,
    IonInput,
    IonSpinner,
    VerifyBannerComponent,
  ],
  template: `
    <ion-header>
      <ion-toolbar color="primary">
        <ion-title>Todos</ion-title>
        <ion-buttons slot="end">
          <ion-button routerLink="/sessions" data-testid="sessions-link">
            Sessions{{ devices.count() === null ? '' : ' (' + devices.count() + ')' }}
          </ion-button>
          <!-- An icon, so that the title still fits next to three buttons on a phone. -->
          <ion-button routerLink="/account" data-testid="account-link" aria-label="Account" title="Account">
            <svg slot="icon-only" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
              <circle cx="12" cy="8" r="4" fill="currentColor" />
              <path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7z" fill="currentColor" />
            </svg>
          </ion-button>
          <ion-button data-testid="logout" (click)="logout()">Log out</ion-button>
        </ion-buttons>
      </ion-toolbar>
    </ion-header>
    <ion-content>
      <ion-refresher slot="fixed" (ionRefresh)="pullToRefresh($event)"><ion-refresher-content /></ion-refresher>
      <main class="column">
        <app-verify-banner />
        @if (auth.user(); as user) {
          <p class="ion-padding-horizontal signed-in-as">Signed in as {{ user.name || user.email }}</p>
        }
        <form class="ion-padding-horizontal todo-form" (ngSubmit)="add()">
          <ion-input data-testid="todo-input" name="title" [(ngModel)]="draft" (ngModelChange)="keepDraft($event)"
            label="New todo" labelPlacement="stacked" fill="outline" [maxlength]="500" [disabled]="adding()" />
          <ion-button data-testid="todo-add" type="submit" [disabled]="adding() || draft.trim() === ''">Add</ion-button>
        </form>
        @if (loadError(); as why) {
          <div class="ion-padding" data-testid="load-error" role="alert">
            <p class="form-error">Your todos could not be loaded. {{ why }}</p>
            <ion-button data-testid="load-retry" fill="outline" [disabled]="loading()" (click)="load()">
              Try again
            </ion-button>
          </div>
        }
        @if (loading() && todos().length === 0) {
          <div class="ion-text-center ion-padding"><ion-spinner aria-label="Loading the todos" /></div>
        } @else if (loaded() || todos().length > 0) {
          <ion-list>
            @for (todo of todos(); track todo.id) {
              <ion-item data-testid="todo-item" [attr.data-done]="todo.done">
                <ion-checkbox data-testid="todo-toggle" slot="start" [checked]="todo.done"
                  (ionChange)="toggle(todo, $event.detail.checked)" [attr.aria-label]="'Done: ' + todo.title" />
                <ion-label [class.done]="todo.done">{{ todo.title }}</ion-label>
                <ion-button data-testid="todo-delete" slot="end" fill="clear" color="danger" (click)="remove(todo)"
                  [disabled]="removing().has(todo.id)" [attr.aria-label]="'Delete ' + todo.title">Delete</ion-button>
              </ion-item>
            } @empty {
              <p class="ion-padding ion-text-center" data-testid="todos-empty">Nothing to do. Add your first todo above.</p>
            }
          </ion-list>
        }
      </main>
    </ion-content>
  `,
})
export class TodosPage {
  protected readonly auth = inject(BatonAuth);
  protected readonly devices = inject(Devices);
  protected readonly todos = signal<Todo[]>([]);
  protected readonly loading = signal(true);
  /** Whether the last load succeeded: only then does an empty list mean there is nothing to do. */
  protected readonly loaded = signal(false);
  /** Why the last load failed, as a sentence for the page; `null` when it did not. */
  protected readonly loadError = signal<string | null>(null);
  /** The todos whose DELETE is on its way: a second tap must not send another. */
  protected readonly removing = signal<ReadonlySet<string>>(new Set());
  protected readonly adding = signal(false);
  protected draft = '';
  readonly #api = inject(TodosApi);
  readonly #drafts = inject(TodoDraft);
  readonly #errors = inject(ErrorToast);

  constructor() {
    // What was typed before a forced sign-out is back after signing in again as the same user.
    const userId = this.auth.user()?.id;
    if (userId !== undefined) this.draft = this.#drafts.read(userId);
    void this.load();
  }

  /** Loads the todos and the device count in parallel (after a token expiry, both share one refresh). */
  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadError.set(null);
    const devices = this.devices.load().catch(() => {
      // The count is a hint in the header: without it the button just says "Sessions".
    });
    try {
      this.todos.set(await this.#api.list());
      this.loaded.set(true);
    } catch (error) {
      // Said in the page, with a way to try again: an empty list here would read as "no todos".
      // A session that ended needs no sentence: the login page says why.
      this.loaded.set(false);
      if (!(error instanceof SessionExpiredError)) this.loadError.set(errorMessage(error));
    } finally {
      this.loading.set(false);
    }
    await devices;
  }

  protected async pullToRefresh(event: RefresherCustomEvent): Promise<void> {
    await this.load();
    await event.target.complete();
  }

  protected keepDraft(text: string): void {
    const userId = this.auth.user()?.id;
    if (userId !== undefined) this.#drafts.write(userId, text);
  }

  protected async add(): Promise<void> {
    const title = this.draft.trim();
    if (title === '' || this.adding()) return;
    this.adding.set(true);
    try {
      const todo = await this.#api.add(title);
      this.todos.update((todos) => [...todos, todo]);
      this.draft = '';
      this.#drafts.clear();
    } catch (error) {
      await this.#errors.show(error);
    } finally {
      this.adding.set(false);
    }
  }

  protected async toggle(todo: Todo, done: boolean): Promise<void> {
    if (todo.done === done) return;
    this.replace({ ...todo, done });
    try {
      this.replace(await this.#api.setDone(todo.id, done));
    } catch (error) {
      this.replace(todo);
      await this.#errors.show(error);
    }
  }

  protected async remove(todo: Todo): Promise<void> {
    if (this.removing().has(todo.id)) return;
    this.removing.update((ids) => new Set(ids).add(todo.id));
    const drop = () => this.todos.update((todos) => todos.filter((each) => each.id !== todo.id));
    try {
      await this.#api.remove(todo.id);
      drop();
    } catch (error) {
      // Deleted elsewhere (another device): say so, and stop showing it.
      if (error instanceof HttpErrorResponse && error.status === 404) drop();
      await this.#errors.show(error);
    } finally {
      this.removing.update((ids) => {
        const left = new Set(ids);
        left.delete(todo.id);
        return left;
      });
    }
  }

  protected async logout(): Promise<void> {
    // A deliberate logout forgets what was typed; the sign-out handler then navigates to /login.
    this.#drafts.clear();
    this.devices.clear();
    await this.auth.logout();
  }

  private replace(todo: Todo): void {
    this.todos.update((todos) => todos.map((each) => (each.id === todo.id ? todo : each)));
  }
}

import { HttpClient } from '@angular/common/http';
import { computed, Injectable, inject, signal } from '@angular/core';
import { BatonAuth } from '@baton/angular';
import { firstValueFrom } from 'rxjs';
import type { DeviceSession, JsonBody } from './api';

export type { DeviceSession };

/**
 * The user's signed-in devices (`/auth/sessions`), kept in one place so that every page shows
 * the same list: a revoke on the Sessions page updates the count in the Todos header at once.
 */
@Injectable({ providedIn: 'root' })
export class Devices {
  readonly #http = inject(HttpClient);
  readonly #list = signal<DeviceSession[] | null>(null);
  /** The devices, `null` until loaded (or when loading failed). */
  readonly list = this.#list.asReadonly();
  /** How many devices are signed in, `null` when unknown. */
  readonly count = computed(() => this.#list()?.length ?? null);

  constructor() {
    // The list belongs to the signed-in user: forget it when the session ends, however it ends.
    inject(BatonAuth).events$.subscribe((event) => {
      if (event.type === 'signed-out') this.clear();
    });
  }

  /** Loads the list; on failure the count becomes unknown and the error is thrown. */
  async load(): Promise<void> {
    try {
      this.#list.set(await firstValueFrom(this.#http.get<JsonBody<'/auth/sessions', 'get', 200>>('/auth/sessions')));
    } catch (error) {
      this.#list.set(null);
      throw error;
    }
  }

  async revoke(id: string): Promise<void> {
    await firstValueFrom(this.#http.delete<void>(`/auth/sessions/${encodeURIComponent(id)}`));
    this.#list.update((list) => list?.filter((each) => each.id !== id) ?? null);
  }

  /** Forgets the list (signed out: it belonged to the previous user). */
  clear(): void {
    this.#list.set(null);
  }
}

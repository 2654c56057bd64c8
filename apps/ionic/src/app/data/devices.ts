import { HttpClient } from '@angular/common/http';
import { computed, Injectable, inject, signal } from '@angular/core';
import { BatonAuth } from '@baton/angular';
import { firstValueFrom } from 'rxjs';
import type { DeviceSession, JsonBody } from './api';
import { BATON_URL } from './apiUrls';

export type { DeviceSession };

/**
 * The user's signed-in devices (`/auth/sessions`), kept in one place so that every page shows
 * the same list: a revoke on the Sessions page updates the count in the Todos header at once.
 */
@Injectable({ providedIn: 'root' })
export class Devices {
  readonly #http = inject(HttpClient);
  readonly #sessions = `${inject(BATON_URL)}/auth/sessions`;
  readonly #list = signal<DeviceSession[] | null>(null);
  /**
   * Moves on with every load and every clear. An answer is written only if nothing moved it while
   * the request was out: a load that started before a sign-out would otherwise put the previous
   * user's devices back, and an older load would overwrite a newer one.
   */
  #generation = 0;
  /** The devices, `null` until loaded (or when loading failed). */
  readonly list = this.#list.asReadonly();
  /** How many devices are signed in, `null` when unknown. */
  readonly count = computed(() => this.#list()?.length ?? null);

  constructor() {
    // The list belongs to the session (it marks "This device"): forget it when a session ends,
    // however it ends, and when another one starts (here or in another tab).
    inject(BatonAuth).events$.subscribe((event) => {
      if (event.type === 'signed-out' || event.type === 'signed-in') this.clear();
    });
  }

  /** Loads the list; on failure the count becomes unknown and the error is thrown. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const list = await firstValueFrom(this.#http.get<JsonBody<'/auth/sessions', 'get', 200>>(this.#sessions));
      if (generation === this.#generation) this.#list.set(list);
    } catch (error) {
      if (generation === this.#generation) this.#list.set(null);
      throw error;
    }
  }

  async revoke(id: string): Promise<void> {
    await firstValueFrom(this.#http.delete<void>(`${this.#sessions}/${encodeURIComponent(id)}`));
    this.#list.update((list) => list?.filter((each) => each.id !== id) ?? null);
  }

  /** Forgets the list (signed out: it belonged to the previous user), and any answer still on its way. */
  clear(): void {
    this.#generation++;
    this.#list.set(null);
  }
}

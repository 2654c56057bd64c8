import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

/** One signed-in device of the user, as `GET /auth/sessions` describes it. */
export interface DeviceSession {
  readonly id: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /** The session this device is signed in with. */
  readonly current: boolean;
}

/** The server's `/auth/sessions` resource. */
@Injectable({ providedIn: 'root' })
export class SessionsApi {
  readonly #http = inject(HttpClient);

  list(): Promise<DeviceSession[]> {
    return firstValueFrom(this.#http.get<DeviceSession[]>('/auth/sessions'));
  }

  revoke(id: string): Promise<void> {
    return firstValueFrom(this.#http.delete<void>(`/auth/sessions/${encodeURIComponent(id)}`));
  }
}

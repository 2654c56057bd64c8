import { Injectable, inject } from '@angular/core';
import { SessionExpiredError } from '@baton/client';
import { ToastController } from '@ionic/angular/toast-controller';
import { errorMessage } from './errorMessage';

/** Shows a failed call (or any short message) as a toast. */
@Injectable({ providedIn: 'root' })
export class ErrorToast {
  readonly #toasts = inject(ToastController);

  async show(error: unknown): Promise<void> {
    // The login page says why the session ended; a toast on top would only repeat it.
    if (error instanceof SessionExpiredError) return;
    await this.say(errorMessage(error));
  }

  async say(message: string): Promise<void> {
    const toast = await this.#toasts.create({
      message,
      color: 'danger',
      duration: 5000,
      position: 'bottom',
      htmlAttributes: { 'data-testid': 'error', role: 'alert' },
    });
    await toast.present();
  }
}

import { Injectable, inject } from '@angular/core';
import { SessionExpiredError } from '@baton/client';
import { ToastController } from '@ionic/angular/toast-controller';
import { errorMessage } from './errorMessage';

/** Shows a failed call as a toast with the server's message. */
@Injectable({ providedIn: 'root' })
export class ErrorToast {
  readonly #toasts = inject(ToastController);

  async show(error: unknown): Promise<void> {
    // The sign-out navigation already tells the user; a toast on top would only repeat it.
    if (error instanceof SessionExpiredError) return;
    const toast = await this.#toasts.create({
      message: errorMessage(error),
      color: 'danger',
      duration: 4000,
      position: 'bottom',
      htmlAttributes: { 'data-testid': 'error', role: 'alert' },
    });
    await toast.present();
  }
}

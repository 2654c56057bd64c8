import { Injectable, inject } from '@angular/core';
import { AlertController } from '@ionic/angular/alert-controller';

/** Asks before an action that cannot be undone. */
@Injectable({ providedIn: 'root' })
export class Confirm {
  readonly #alerts = inject(AlertController);

  /** Resolves true when the user chose `action`, false when they cancelled or dismissed. */
  async ask(question: { header: string; message: string; action: string }): Promise<boolean> {
    const alert = await this.#alerts.create({
      header: question.header,
      message: question.message,
      buttons: [
        { text: 'Cancel', role: 'cancel' },
        { text: question.action, role: 'destructive' },
      ],
      htmlAttributes: { 'data-testid': 'confirm' },
    });
    await alert.present();
    return (await alert.onDidDismiss()).role === 'destructive';
  }
}

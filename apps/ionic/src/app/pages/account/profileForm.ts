import { Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { BatonAuth } from '@baton/angular';
import { IonButton } from '@ionic/angular/ion-button';
import { IonInput } from '@ionic/angular/ion-input';
import { IonSpinner } from '@ionic/angular/ion-spinner';
import { clearOnChange, showProblem } from '../../ui/credentials';
import { describeError } from '../../ui/errorMessage';

/** The display name: changed, or removed when left empty. */
@Component({
  selector: 'app-profile-form',
  imports: [ReactiveFormsModule, IonInput, IonButton, IonSpinner],
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate aria-labelledby="profile-heading">
      <h2 id="profile-heading">Name</h2>
      <ion-input data-testid="name" formControlName="name" label="Name (optional)" labelPlacement="stacked"
        fill="outline" autocomplete="name" helperText="Shown on your todos page; leave it empty to remove it."
        errorText="Names have at most 100 characters." />
      @if (saved()) {
        <p class="confirmation" data-testid="name-saved" role="status">Your name is saved.</p>
      }
      @if (error(); as message) {
        <p class="form-error" data-testid="name-error" role="alert">{{ message }}</p>
      }
      <ion-button data-testid="save-name" type="submit" [disabled]="busy()">
        @if (busy()) { <ion-spinner name="dots" aria-label="Saving the name" /> } @else { Save the name }
      </ion-button>
    </form>
  `,
})
export class ProfileFormComponent {
  readonly #auth = inject(BatonAuth);
  protected readonly busy = signal(false);
  protected readonly saved = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: [this.#auth.user()?.name ?? '', [Validators.maxLength(100)]],
  });

  constructor() {
    clearOnChange(this.form, this.error);
    this.form.valueChanges.subscribe(() => this.saved.set(false));
  }

  protected async submit(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    const name = this.form.getRawValue().name.trim();
    try {
      const user = await this.#auth.updateProfile({ name: name === '' ? null : name });
      this.form.setValue({ name: user.name ?? '' }, { emitEvent: false });
      this.saved.set(true);
    } catch (error) {
      this.error.set(showProblem(this.form, describeError(error)));
    } finally {
      this.busy.set(false);
    }
  }
}

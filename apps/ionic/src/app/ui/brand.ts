import { Component } from '@angular/core';

/** The product's name and mark, at the top of the guest pages. */
@Component({
  selector: 'app-brand',
  template: `
    <div class="brand">
      <svg viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false">
        <rect width="48" height="48" rx="12" fill="var(--ion-color-primary)" />
        <path d="M14 34 L30 14 L34 18 L18 38 Z" fill="var(--ion-color-primary-contrast)" />
        <circle cx="34" cy="34" r="4" fill="var(--ion-color-primary-contrast)" />
      </svg>
      <div>
        <p class="brand-name">Baton</p>
        <p class="brand-tagline">Your todos, signed in safely on every device.</p>
      </div>
    </div>
  `,
  styles: `
    .brand { display: flex; align-items: center; gap: 12px; margin: 8px 0 24px; }
    .brand-name { margin: 0; font-size: 1.5rem; font-weight: 700; }
    .brand-tagline { margin: 0; color: var(--ion-color-step-600, var(--ion-text-color)); }
  `,
})
export class BrandComponent {}

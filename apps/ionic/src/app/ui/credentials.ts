import { Validators } from '@angular/forms';

/** The server's rules (ARCHITECTURE.md): an email address; a password of 8 to 128 characters. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export const emailValidators = [Validators.required, Validators.email, Validators.maxLength(254)];
export const passwordValidators = [
  Validators.required,
  Validators.minLength(PASSWORD_MIN),
  Validators.maxLength(PASSWORD_MAX),
];

/** The helper text under the password field. */
export const PASSWORD_HINT = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters; a common password is refused.`;

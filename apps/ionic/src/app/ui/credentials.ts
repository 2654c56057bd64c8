import { DestroyRef, inject, type WritableSignal } from '@angular/core';
import { type AbstractControl, type FormGroup, Validators } from '@angular/forms';
import { merge, take } from 'rxjs';
import type { Problem } from './errorMessage';

/** The server's rules (ARCHITECTURE.md): an email address; a password of 8 to 128 characters. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

// `required` is added on the first submit (requireFields), so that tabbing through empty fields
// does not mark them red before the user tried anything.
export const emailValidators = [Validators.email, Validators.maxLength(254)];
export const passwordValidators = [Validators.minLength(PASSWORD_MIN), Validators.maxLength(PASSWORD_MAX)];

/** The helper text under the password field of the registration form. */
export const PASSWORD_HINT = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters; a common password is refused.`;

/**
 * On submit: the named fields become required, every field is checked again and shows its errors.
 * A submit is a new attempt, so the previous refusals go (the server judges again): only the
 * form's own rules, each shown on its field, can stop a submit, never an old answer.
 */
export function requireFields(form: FormGroup, names: readonly string[]): void {
  for (const name of names) {
    const control = form.get(name);
    if (control !== null && !control.hasValidator(Validators.required))
      control.addValidators(Validators.required);
  }
  for (const control of Object.values(form.controls)) control.updateValueAndValidity();
  form.markAllAsTouched();
}

/**
 * Shows a server's refusal on the field it is about (it clears as soon as that field, or one of
 * the others it is about, changes); returns the message for the form as a whole when it is about
 * no field.
 */
export function showProblem(form: FormGroup, problem: Problem): string | null {
  if (problem.field === undefined || form.get(problem.field) === null) return problem.message;
  refuseField(form, problem.field, problem.message, problem.alsoAbout);
  return null;
}

/**
 * Puts `message` on the field `name` as a refusal. It goes when that field changes (Angular checks
 * it again), and when any of `alsoAbout` changes: "this email and password do not match" is
 * stale once the email is corrected, and left on the password it would keep the form invalid.
 */
export function refuseField(
  form: FormGroup,
  name: string,
  message: string,
  alsoAbout: readonly string[] = [],
): void {
  const control = form.get(name);
  if (control === null) throw new TypeError(`refuseField(): the form has no field '${name}'`);
  control.setErrors({ ...control.errors, server: message });
  control.markAsTouched();
  const others = alsoAbout.flatMap((other) => form.get(other)?.valueChanges ?? []);
  if (others.length === 0) return;
  merge(...others)
    .pipe(take(1))
    .subscribe(() => {
      if (control.errors?.server === message) control.updateValueAndValidity();
    });
}

/** The message under a field: the server's, else the first of the field's own. */
export function fieldError(
  control: AbstractControl,
  messages: { required: string; invalid: string },
): string {
  const errors = control.errors ?? {};
  if (typeof errors.server === 'string') return errors.server;
  if (errors.required) return messages.required;
  return messages.invalid;
}

/** What the email field says when it is empty or malformed. */
export const EMAIL_ERRORS = {
  required: 'Enter your email address.',
  invalid: 'Enter an email address such as ada@example.com.',
} as const;

/**
 * In an injection context: the form-level message of the previous attempt goes as soon as the
 * user changes what they typed (a stale error next to fixed input misleads).
 */
export function clearOnChange(form: FormGroup, message: WritableSignal<string | null>): void {
  const changes = form.valueChanges.subscribe(() => message.set(null));
  inject(DestroyRef).onDestroy(() => changes.unsubscribe());
}

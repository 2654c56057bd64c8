import { HttpErrorResponse } from '@angular/common/http';
import { AuthError, SessionExpiredError } from '@baton/client';

/**
 * The sentence to show for a failed call: the server's own problem+json `detail` when there is
 * one (it is written for humans), else something honest about what went wrong.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof SessionExpiredError) return 'Your session has ended. Please sign in again.';
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    const body: unknown = error.error;
    if (typeof body === 'object' && body !== null) {
      const { detail, title } = body as { detail?: unknown; title?: unknown };
      if (typeof detail === 'string' && detail !== '') return detail;
      if (typeof title === 'string' && title !== '') return title;
    }
    return `The server answered ${error.status}.`;
  }
  if (error instanceof AuthError) {
    return error.code === 'network_error'
      ? 'The server cannot be reached. Check your connection and try again.'
      : error.message;
  }
  return 'Something went wrong. Please try again.';
}

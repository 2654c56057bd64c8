import { InjectionToken } from '@angular/core';

/**
 * Where Baton is: the client's `baseUrl`, and the base of every Baton call the app makes itself
 * (`/auth/sessions`). On the web Baton serves the app, so it is the page's own origin; in the
 * native shells the page is `capacitor://localhost` or `https://localhost`, and the build names
 * the API in `index.html`: `<meta name="baton-api" content="https://auth.example.com">`.
 */
export const BATON_URL = new InjectionToken<string>('BATON_URL');

/**
 * Where the todos live: Baton's own `/todos` (the default), or your API in front of Baton (one
 * of `examples/`), set per deployment in `index.html` without a rebuild:
 * `<meta name="baton-todos-api" content="https://api.example.com">`.
 */
export const TODOS_API_URL = new InjectionToken<string>('TODOS_API_URL');

/**
 * The base URL in `document`'s meta tag `name` (`baton-api`, `baton-todos-api`), without a
 * trailing slash, or `fallback` when the tag is missing or empty. A relative URL is read against
 * `fallback`.
 */
export function apiUrlFrom(document: Document, name: string, fallback: string): string {
  const configured = document.querySelector(`meta[name="${name}"]`)?.getAttribute('content')?.trim();
  return (configured ? new URL(configured, fallback).href : fallback).replace(/\/$/, '');
}

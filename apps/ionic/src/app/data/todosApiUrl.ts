import { InjectionToken } from '@angular/core';

/**
 * Where the todos live: Baton's own `/todos` (the default), or your API in front of Baton (one
 * of `examples/`), set per deployment in `index.html` without a rebuild:
 * `<meta name="baton-todos-api" content="https://api.example.com">`.
 */
export const TODOS_API_URL = new InjectionToken<string>('TODOS_API_URL');

/** The todos API's base URL from `document`'s meta tag, or `fallback` (the page's origin) when unset. */
export function todosApiUrlFrom(document: Document, fallback: string): string {
  const configured = document.querySelector('meta[name="baton-todos-api"]')?.getAttribute('content')?.trim();
  return (configured ? new URL(configured, fallback).href : fallback).replace(/\/$/, '');
}

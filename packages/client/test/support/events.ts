import type { AuthClient, AuthEvent } from '../../src/index.js';

/** Records every event a client emits. */
export function recordEvents(client: AuthClient): AuthEvent[] {
  const events: AuthEvent[] = [];
  client.subscribe((event) => events.push(event));
  return events;
}

/** The types of recorded events, for compact assertions. */
export const typesOf = (events: readonly AuthEvent[]) =>
  events.map((event) => (event.type === 'signed-out' ? `signed-out:${event.reason}` : event.type));

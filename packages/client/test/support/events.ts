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

/** The next event of a type. The client's channel does not keep Node alive, so this timer does. */
export function nextEvent(client: AuthClient, type: AuthEvent['type']): Promise<AuthEvent> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`no ${type} event`)), 5_000);
    const stop = client.subscribe((event) => {
      if (event.type === type) {
        stop();
        clearTimeout(timeout);
        resolve(event);
      }
    });
  });
}

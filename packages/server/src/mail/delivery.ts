import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { MailQueueStore, MailRecord } from '../store/mailQueue.js';
import { type Brand, renderMail } from './messages.js';
import type { MailTransport } from './transport.js';

/** What one delivery run did. */
export interface DeliveryReport {
  readonly sent: number;
  /** Refused or unreachable: due again after a back-off. */
  readonly retrying: number;
  /** Given up after {@link MAX_ATTEMPTS} (or unrenderable): `baton mail retry` brings them back. */
  readonly failed: number;
}

/** Attempts before a message is given up: with the back-off below, about seven hours of trying. */
export const MAX_ATTEMPTS = 12;
const FIRST_RETRY_MS = 30_000;
const LONGEST_WAIT_MS = 60 * 60_000;
/**
 * How long a claim is this instance's alone. It must outlast one SMTP transaction with its
 * timeouts (see `transport.ts`), or another instance could claim a message still being sent.
 */
export const LEASE_MS = 5 * 60_000;
const BATCH = 10;

/** Wait before attempt `attempts + 1`: 30 s, doubling, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 20), LONGEST_WAIT_MS);
}

export interface DeliveryDeps {
  readonly store: MailQueueStore;
  readonly clock: Clock;
  readonly transport: MailTransport;
  readonly brand: Brand & { readonly publicUrl: string };
  readonly log: FastifyBaseLogger;
}

/**
 * Delivers the queue: claims due messages (a lease, so no other instance sends them meanwhile),
 * sends each, and marks it sent only once the transport accepted it; a refusal schedules the next
 * attempt with exponential back-off in the message's row, so it survives a restart. Times come
 * from the injected clock; the timer that wakes the loop is real and stops on {@link close}.
 * One run at a time per instance: a request made during a run is served by the run after it.
 */
export class MailDelivery {
  readonly #owner = randomUUID();
  readonly #host: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<DeliveryReport> | undefined;
  #next: Promise<DeliveryReport> | undefined;
  #closed = false;

  constructor(private readonly deps: DeliveryDeps) {
    this.#host = new URL(deps.brand.publicUrl).hostname || 'baton';
  }

  /** Wakes every `everyMs` to deliver what became due (retries). Never keeps the process alive. */
  start(everyMs = 1000): void {
    this.#timer = setInterval(() => this.kick(), everyMs);
    this.#timer.unref();
  }

  /** Delivers soon, without waiting: called when a message is queued. */
  kick(): void {
    if (this.#closed) return;
    this.deliverDue().catch((error: unknown) => this.deps.log.error({ err: error }, 'mail delivery failed'));
  }

  /** Runs the delivery (after the run in progress, if any) and reports what it did. */
  deliverDue(): Promise<DeliveryReport> {
    if (!this.#running) return this.#start();
    this.#next ??= this.#running.then(
      () => {
        this.#next = undefined;
        return this.#start();
      },
      () => {
        this.#next = undefined;
        return this.#start();
      },
    );
    return this.#next;
  }

  /** Stops the timer and waits for the runs in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.allSettled([this.#running, this.#next]);
    this.deps.transport.close();
  }

  #start(): Promise<DeliveryReport> {
    const run = this.#run().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #run(): Promise<DeliveryReport> {
    const report = { sent: 0, retrying: 0, failed: 0 };
    while (!this.#closed) {
      const now = this.deps.clock.now();
      const claimed = await this.deps.store.claimDueMail({
        now,
        leaseUntil: now + LEASE_MS,
        owner: this.#owner,
        limit: BATCH,
      });
      for (const message of claimed) report[await this.#deliver(message)]++;
      if (claimed.length < BATCH) break;
    }
    return report;
  }

  async #deliver(message: MailRecord): Promise<keyof DeliveryReport> {
    const { store, clock, transport, brand, log } = this.deps;
    const params = message.params ?? {};
    let outgoing: Parameters<MailTransport['send']>[0];
    try {
      outgoing = {
        ...renderMail(message.kind, params, brand),
        messageId: `<${message.id}@${this.#host}>`,
        to: message.recipient,
        link: params.link,
      };
    } catch (error) {
      await store.markMailUnsent(message.id, this.#owner, { error: String(error), failedAt: clock.now() });
      return 'failed';
    }
    try {
      await transport.send(outgoing);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const now = clock.now();
      const givingUp = message.attempts >= MAX_ATTEMPTS;
      await store.markMailUnsent(
        message.id,
        this.#owner,
        givingUp
          ? { error: reason, failedAt: now }
          : { error: reason, retryAt: now + retryDelayMs(message.attempts) },
      );
      // The recipient is personal data and the reason may quote it: the id is enough to find it.
      log.warn(
        { mail: message.id, kind: message.kind, attempts: message.attempts },
        givingUp ? 'mail given up' : 'mail refused, will retry',
      );
      return givingUp ? 'failed' : 'retrying';
    }
    await store.markMailSent(message.id, this.#owner, clock.now());
    if (transport.name === 'smtp') log.info({ mail: message.id, kind: message.kind }, 'mail sent');
    return 'sent';
  }
}

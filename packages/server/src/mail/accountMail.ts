import type { FastifyBaseLogger } from 'fastify';
import type { Throttle } from '../auth/throttle.js';
import { BackgroundWork } from '../background.js';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { MailQueueStore } from '../store/mailQueue.js';
import { type DeliveryReport, MailDelivery } from './delivery.js';
import { createMailer, type Mailer } from './mailer.js';
import { openMailTransport } from './transport.js';

/** How often the delivery wakes for messages whose retry became due (new ones go at once). */
const POLL_MS = 1000;

/** Account mail in one server: queueing, the work left behind by requests, and delivery. */
export interface AccountMail {
  readonly mailer: Mailer;
  readonly background: BackgroundWork;
  /** Starts delivering, once the server's logger exists. */
  start(log: FastifyBaseLogger): void;
  /** Delivers the messages due now (after the run in progress, if any). */
  deliverDue(): Promise<DeliveryReport>;
  /** Waits for work requests left behind (reset links are written after the answer), then delivers. */
  flush(): Promise<DeliveryReport>;
  /** Lets the work left behind finish, then stops delivering. */
  close(): Promise<void>;
}

export interface AccountMailDeps {
  readonly store: MailQueueStore;
  readonly clock: Clock;
  readonly config: ServerConfig;
  readonly throttle: Throttle;
}

/**
 * Wires the mail of one server: the mailer the domain queues with (each message capped per
 * recipient, and waking the delivery), the background work of requests, and the delivery loop,
 * which needs the server's logger and so starts with {@link AccountMail.start}.
 */
export function createAccountMail({ store, clock, config, throttle }: AccountMailDeps): AccountMail {
  let log: FastifyBaseLogger | undefined;
  let delivery: MailDelivery | undefined;
  const started = () => {
    if (!delivery) throw new Error('account mail is not started');
    return delivery;
  };
  const background = new BackgroundWork((error) => log?.error({ err: error }, 'background work failed'));
  const mailer = createMailer({
    store,
    clock,
    allowRecipient: (key) => throttle.mailRecipient(key),
    queued: () => delivery?.kick(),
    onDropped: (mail) => log?.warn({ kind: mail.kind }, 'mail dropped: its recipient had enough this hour'),
  });
  return {
    mailer,
    background,
    start(logger) {
      log = logger;
      delivery = new MailDelivery({
        store,
        clock,
        transport: openMailTransport(config, logger),
        brand: { productName: config.productName, publicUrl: config.publicUrl },
        log: logger,
      });
      delivery.start(POLL_MS);
    },
    deliverDue: () => started().deliverDue(),
    async flush() {
      await background.idle();
      return started().deliverDue();
    },
    async close() {
      await background.idle();
      await delivery?.close();
    },
  };
}

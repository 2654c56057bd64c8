import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createManualClock, createServer } from '../src/index.js';
import { retryDelayMs } from '../src/mail/delivery.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, uniqueEmail } from './support/server.js';
import { startSmtp, type TestSmtp } from './support/smtp.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('two instances delivering one mail queue on PostgreSQL', { skip }, () => {
  let database: TestDatabase;
  let dataDir: string;
  let smtp: TestSmtp;
  const clock = createManualClock();
  const apps: Awaited<ReturnType<typeof createServer>>[] = [];
  const urls: string[] = [];

  before(async () => {
    database = await requireTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-mail-'));
    smtp = await startSmtp('refuse');
    const options = {
      dataDir,
      databaseUrl: database.schemaUrl,
      secret: randomBytes(32).toString('base64url'),
      issuer: 'http://baton.test',
      publicUrl: 'https://app.example.test',
      smtpUrl: smtp.url,
      logLevel: false as const,
      rateLimits: false as const,
      clock,
    };
    for (let instance = 0; instance < 2; instance++) {
      const app = await createServer(options);
      apps.push(app);
      urls.push(await app.listen({ host: '127.0.0.1', port: 0 }));
    }
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await smtp?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a refusing SMTP server loses nothing, and once it accepts, it gets each of 40 messages exactly once', async () => {
    const emails = Array.from({ length: 40 }, () => uniqueEmail('scaleout-mail'));
    // Registrations on both instances: each queues a verification message, which both loops try.
    for (const [n, email] of emails.entries()) {
      const response = await fetch(`${urls[n % 2]}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: GOOD_PASSWORD }),
      });
      assert.equal(response.status, 201);
    }
    await Promise.all(apps.map((app) => app.baton.mail.flush()));
    assert.equal(smtp.messages.length, 0);
    assert.ok(smtp.refused >= 40, `${smtp.refused} refusals`);
    const refusals = smtp.refused;

    smtp.setMode('accept');
    clock.advance(retryDelayMs(1));
    // Both instances deliver at once, several times over, as their loops would.
    await Promise.all(
      Array.from({ length: 6 }, (_, n) => apps[n % 2]?.baton.mail.deliverDue() ?? Promise.resolve()),
    );
    const received = await smtp.received(40);
    await Promise.all(apps.map((app) => app.baton.mail.deliverDue()));
    assert.equal(smtp.messages.length, 40, 'no message went twice');
    assert.deepEqual(received.map((mail) => mail.rcptTo[0]).sort(), [...emails].sort());
    assert.equal(new Set(received.map((mail) => mail.headers.get('message-id'))).size, 40);
    assert.equal(smtp.refused, refusals, 'no message was refused once the server accepted');
    const store = apps[0]?.baton.store;
    assert.equal((await store?.listMail({ status: 'sent', limit: 1000 }))?.length, 40);
    assert.equal((await store?.listMail({ status: 'pending', limit: 1000 }))?.length, 0);
  });
});

// A kick that comes while a worker's claim is out is not lost. On PostgreSQL a lead's transaction can
// commit an outbox row after a turn's claim took its snapshot and before the turn concluded from the short
// claim that nothing was due: the commit's kick set "may have due rows", and the turn then cleared it.
// The turn that kick scheduled claimed nothing, and the row waited for the next kick (seen as a flaky
// test/e2e/webhooks.test.ts under CI's load: "attempts: 0"). Here the claim is held open at that point,
// the row committed and the worker kicked meanwhile, for real, on PostgreSQL (SQLite has one writer: the
// row's commit would wait for the turn). Both outbox workers: webhooks (WebhookWorker.kicks) and
// notifications (delivery-worker.ts Lane.kicks).
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { Store, StoreTx } from '../../src/store/port.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { ManualClock } from '../../src/time/clock.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import type { OutgoingMessage } from '../../src/notify/channel.js';
import { WebhookWorker } from '../../src/webhooks/webhook-worker.js';
import { seedLead, seedSource } from '../support/port-suite.js';
import { createTempDatabase, havePostgres } from '../support/services.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** The store, with every transaction's `method` of `part` (a claim) able to stop after it has answered. */
function holdingClaims<P extends 'webhooks' | 'notifications'>(real: Store, part: P, method: keyof StoreTx[P]) {
  let hold: { answered: () => void; until: Promise<void> } | null = null;
  const wrapTx = (tx: StoreTx): StoreTx => new Proxy(tx, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop !== part) return value;
      return new Proxy(value as object, {
        get(w, q) {
          const real = Reflect.get(w, q, w) as unknown;
          if (q !== method) return real;
          return async (...args: unknown[]) => {
            const rows = await (real as (...a: unknown[]) => Promise<unknown>).apply(w, args);
            const held = hold;
            hold = null;
            if (held) {
              held.answered();
              await held.until;
            }
            return rows;
          };
        },
      });
    },
  });
  const store = new Proxy(real, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (fn: (tx: StoreTx) => Promise<unknown>, options?: unknown) =>
          (target.transaction as (f: typeof fn, o?: unknown) => Promise<unknown>)((tx) => fn(wrapTx(tx)), options);
      }
      return Reflect.get(target, prop, target) as unknown;
    },
  }) as Store;
  /** The next claim stops once it has answered: resolves then, with the function that lets it go on. */
  const holdNext = () => new Promise<() => void>((answeredWith) => {
    let release = () => {};
    const until = new Promise<void>((resolve) => { release = resolve; });
    hold = { answered: () => answeredWith(release), until };
  });
  return { store, holdNext };
}

it.skipIf(!available)('a delivery committed while a turn\'s claim is out is sent by the turn after it, not left for the next kick', async () => {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const real = await openPostgresStore(database.url);
  cleanup.push(() => real.close());
  const receiver = await startWebhookReceiver();
  cleanup.push(() => receiver.close());
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const source = await seedSource(real);
  const lead = await seedLead(real, source.id);
  const hook = await real.webhooks.insertWebhook({ url: `${receiver.url}/hook`, eventTypes: ['CREATED'], secret: 's'.repeat(64), createdAt: new Date(clock.now()) });
  const [event] = await real.leads.insertEvents([{ leadId: lead.id, type: 'CREATED', at: new Date(clock.now()) }]);
  if (!event) throw new Error('no event');

  const { store, holdNext } = holdingClaims(real, 'webhooks', 'claimDueDeliveries');
  const worker = new WebhookWorker({ clock, store, logger: pino({ level: 'silent' }), allowPrivate: true, pollMs: null });
  cleanup.push(() => worker.stop());
  // The first turn's claim finds nothing, and stops there.
  const held = holdNext();
  worker.start();
  const release = await held;
  // Meanwhile a lead's transaction commits a delivery and kicks the worker, as its commit does.
  const now = new Date(clock.now());
  await real.webhooks.enqueueDeliveries([{
    webhookId: hook.id, leadId: lead.id, eventId: event.id, eventType: 'CREATED', payload: '{"type":"CREATED"}',
    status: 'PENDING', attempts: 0, nextAttemptAt: now, createdAt: now,
  }]);
  worker.kick();
  release();
  await worker.idle();
  // The turn after the held one claimed it and sent it: delivered, once.
  expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
  const [delivery] = await real.webhooks.recentDeliveries(hook.id, 5);
  expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1, responseStatus: 200 });
});

it.skipIf(!available)('a notification committed while a lane\'s claim is out is sent by the turn after it, not left for the next kick', async () => {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const real = await openPostgresStore(database.url);
  cleanup.push(() => real.close());
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const sent: OutgoingMessage[] = [];
  const sms = { name: 'sms' as const, maxInFlight: 4, send: async (m: OutgoingMessage) => { sent.push(m); } };
  const email = { name: 'email' as const, maxInFlight: 4, send: async (m: OutgoingMessage) => { sent.push(m); } };
  const { store, holdNext } = holdingClaims(real, 'notifications', 'claimDueAndNext');
  const worker = new DeliveryWorker(clock, store, { sms, email }, pino({ level: 'silent' }));
  cleanup.push(() => worker.stop());
  // The first turn's claim (the SMS lane's, the first lane) finds nothing, and stops there.
  const held = holdNext();
  worker.start();
  const release = await held;
  // Meanwhile a transaction commits an SMS and kicks the SMS lane, as its commit does.
  const now = new Date(clock.now());
  const [row] = await real.notifications.enqueue([{
    channel: 'sms', to: '+15125550100', subject: null, body: 'text 1', status: 'PENDING', attempts: 0, nextAttemptAt: now, createdAt: now,
  }]);
  worker.kick(new Set(['sms']));
  release();
  await worker.idle();
  expect(sent.map((m) => m.body)).toEqual(['text 1']);
  expect(await real.notifications.find(row?.id ?? 0)).toMatchObject({ status: 'SENT', attempts: 1 });
});

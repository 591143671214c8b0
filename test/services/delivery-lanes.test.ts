// The delivery worker looks for new messages in the lanes it is told of (DeliveryWorker.kick): a change
// that wrote only email rows costs no claim in the SMS lane. A lane not told waits for its own next
// reason to look (its timer, a poll, a kick naming it), and a kick that names no lane looks in all.
// On both stores, with the real outbox; the channels record what they were handed.
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { Channel, ChannelKind, OutgoingMessage } from '../../src/notify/channel.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import type { Store } from '../../src/store/port.js';
import type { NewNotification } from '../../src/store/rows.js';
import { ManualClock } from '../../src/time/clock.js';
import { describeEachStore } from '../support/stores.js';

/** A channel that takes every message at once and keeps it. */
const recording = (name: ChannelKind): Channel & { sent: OutgoingMessage[] } => {
  const sent: OutgoingMessage[] = [];
  return { name, maxInFlight: 4, sent, send: async (m) => { sent.push(m); } };
};

const row = (channel: ChannelKind, body: string, now: number): NewNotification => ({
  channel, to: channel === 'sms' ? '+15125550100' : 'agent@test.example', subject: channel === 'email' ? 'A lead' : null,
  body, status: 'PENDING', attempts: 0, nextAttemptAt: new Date(now), createdAt: new Date(now),
});

/** Rows written as another instance would write them: nobody here is told. */
const written = (store: Store, rows: NewNotification[]) => store.notifications.enqueue(rows);

describeEachStore('delivery worker lanes', (open) => {
  it('a kick naming the email lane sends the email and leaves the SMS lane unclaimed until a kick names it', async () => {
    const store = await open();
    const clock = new ManualClock();
    const sms = recording('sms');
    const email = recording('email');
    const worker = new DeliveryWorker(clock, store, { sms, email }, pino({ level: 'silent' }));
    worker.start();
    await worker.idle();

    const [text, mail] = await written(store, [row('sms', 'text 1', clock.now()), row('email', 'mail 1', clock.now())]);
    worker.kick(new Set(['email']));
    await worker.idle();
    expect(email.sent.map((m) => m.body)).toEqual(['mail 1']);
    expect(sms.sent).toEqual([]);
    expect(await store.notifications.find(text?.id ?? 0)).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(await store.notifications.find(mail?.id ?? 0)).toMatchObject({ status: 'SENT' });

    worker.kick(new Set(['sms']));
    await worker.idle();
    expect(sms.sent.map((m) => m.body)).toEqual(['text 1']);
    expect(await store.notifications.find(text?.id ?? 0)).toMatchObject({ status: 'SENT', attempts: 1 });

    // Told nothing of the lanes: it looks in every one.
    await written(store, [row('sms', 'text 2', clock.now()), row('email', 'mail 2', clock.now())]);
    worker.kick();
    await worker.idle();
    expect(sms.sent.map((m) => m.body)).toEqual(['text 1', 'text 2']);
    expect(email.sent.map((m) => m.body)).toEqual(['mail 1', 'mail 2']);
    await worker.stop();
  });
});

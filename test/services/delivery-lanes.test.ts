// The delivery worker looks for new messages in the lanes it is told of (DeliveryWorker.kick): a change
// that wrote only email rows costs no claim in the SMS lane. A lane not told waits for its own next
// reason to look (its timer, a poll, a kick naming it), and a kick that names no lane looks in all.
// Messages written already claimed (reserve, then adopt once committed) are sent without a claim, in
// the slots reserved for them, and never beyond the lane's bound; a reservation whose rows never came
// lapses. On both stores, with the real outbox; the channels record what they were handed.
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { Channel, ChannelKind, OutgoingMessage } from '../../src/notify/channel.js';
import { CLAIM_LEASE_MS, DeliveryWorker, RESERVATION_LAPSE_MS } from '../../src/notify/delivery-worker.js';
import type { Store } from '../../src/store/port.js';
import type { NewNotification, NotificationRow } from '../../src/store/rows.js';
import { ManualClock } from '../../src/time/clock.js';
import { describeEachStore } from '../support/stores.js';
import { until } from '../support/until.js';

/** A channel that takes every message at once and keeps it. */
const recording = (name: ChannelKind): Channel & { sent: OutgoingMessage[] } => {
  const sent: OutgoingMessage[] = [];
  return { name, maxInFlight: 4, sent, send: async (m) => { sent.push(m); } };
};

/** A channel of `maxInFlight` slots that holds every message until release() (a slow provider). */
const holding = (name: ChannelKind, maxInFlight: number) => {
  const sent: OutgoingMessage[] = [];
  let waiting: (() => void)[] = [];
  return {
    name, maxInFlight, sent,
    get held() { return waiting.length; },
    send: (m: OutgoingMessage) => new Promise<void>((resolve) => { sent.push(m); waiting.push(resolve); }),
    release() { const w = waiting; waiting = []; for (const r of w) r(); },
  };
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

  it('messages written already claimed are sent without a claim in the slots reserved for them; the rest wait for free slots; a reservation never used lapses', async () => {
    const store = await open();
    const clock = new ManualClock();
    const sms = holding('sms', 2);
    const worker = new DeliveryWorker(clock, store, { sms, email: recording('email') }, pino({ level: 'silent' }));
    worker.start();
    await worker.idle();

    // Three messages for a lane of two slots: two written claimed (attempt 1, leased), one written due.
    const reservation = worker.reserve('sms', 3);
    expect(reservation?.n).toBe(2);
    const lease = new Date(clock.now() + CLAIM_LEASE_MS);
    let written: NotificationRow[] = [];
    await store.transaction(async (tx) => {
      await tx.notifications.enqueueAtCommit([
        { ...row('sms', 'claimed 1', clock.now()), attempts: 1, nextAttemptAt: lease },
        { ...row('sms', 'claimed 2', clock.now()), attempts: 1, nextAttemptAt: lease },
        row('sms', 'due', clock.now()),
      ], (rows) => { written = rows; });
    });
    if (!reservation) throw new Error('no reservation');
    // Full while reserved: nobody else gets a slot, and a kick claims nothing.
    expect(worker.reserve('sms', 1)).toBeNull();
    worker.adopt(reservation, written.filter((w) => w.attempts === 1));
    worker.kick(new Set(['sms']));
    await until(() => sms.held, (n) => n === 2, 'both claimed messages handed to the provider');
    expect(sms.sent.map((m) => m.body)).toEqual(['claimed 1', 'claimed 2']);
    // The lane is full: the due one is not claimed.
    const due = written.find((w) => w.body === 'due');
    expect(await store.notifications.find(due?.id ?? 0)).toMatchObject({ status: 'PENDING', attempts: 0 });

    // The provider takes them: their outcome frees the slots, and the due one is claimed and sent.
    sms.release();
    await until(() => sms.held, (n) => n === 1, 'the due message handed to the provider');
    sms.release();
    await worker.idle();
    expect(sms.sent.map((m) => m.body)).toEqual(['claimed 1', 'claimed 2', 'due']);
    for (const w of written) expect(await store.notifications.find(w.id)).toMatchObject({ status: 'SENT', attempts: 1 });

    // A reservation whose rows never come (their transaction failed) holds its slots until it lapses.
    expect(worker.reserve('sms', 2)?.n).toBe(2);
    expect(worker.reserve('sms', 1)).toBeNull();
    await clock.advance(RESERVATION_LAPSE_MS);
    // Released (its round was not written), a reservation's slots are free at once.
    const held = worker.reserve('sms', 5);
    expect(held?.n).toBe(2);
    expect(worker.reserve('sms', 1)).toBeNull();
    if (held) worker.release(held);
    expect(worker.reserve('sms', 5)?.n).toBe(2);
    await worker.stop();
    // Stopped: nothing is reserved (what a transaction writes is then written due, for whoever claims it).
    expect(worker.reserve('sms', 1)).toBeNull();
  });
});

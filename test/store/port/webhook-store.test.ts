// The webhook store on every store: the webhook list (cached, and dropped on every change), and the
// delivery outbox's claim: due deliveries oldest first under a lease, a lead's later delivery to a
// webhook waiting while an earlier one is PENDING, at most so many of one webhook per claim, outcomes
// only while the delivery is in the attempt it was claimed for, and concurrent claims never sharing a row.
import { expect, it } from 'vitest';
import type { Store } from '../../../src/store/port.js';
import type { NewWebhookDelivery, WebhookDeliveryRow } from '../../../src/store/rows.js';
import { openConnections, seedLead, seedSource } from '../../support/port-suite.js';
import { describeEachStore } from '../../support/stores.js';

const T = Date.UTC(2025, 0, 6, 9);
const at = (seconds: number) => new Date(T + seconds * 1000);
const LEASE = 60;

const ids = (rows: readonly WebhookDeliveryRow[]) => rows.map((r) => r.id);

async function setUp(store: Store) {
  const source = await seedSource(store);
  const leadA = (await seedLead(store, source.id)).id;
  const leadB = (await seedLead(store, source.id)).id;
  const hook = await store.webhooks.insertWebhook({ url: 'https://crm.example.com/hook', eventTypes: ['CREATED'], secret: 's', createdAt: at(0) });
  const other = await store.webhooks.insertWebhook({ url: 'https://dialer.example.com/hook', eventTypes: [], secret: 't', createdAt: at(0) });
  return { leadA, leadB, hook: hook.id, other: other.id };
}

const delivery = (webhookId: number, leadId: number, dueIn: number, eventId = 1): NewWebhookDelivery => ({
  webhookId, leadId, eventId, eventType: 'CREATED', payload: '{}', status: 'PENDING', attempts: 0, nextAttemptAt: at(dueIn), createdAt: at(0),
});

/** The deliveries as stored, oldest first (recentDeliveries is newest first). */
async function all(store: Store, webhookId: number): Promise<WebhookDeliveryRow[]> {
  return (await store.webhooks.recentDeliveries(webhookId, 100)).reverse();
}

describeEachStore('WebhookStore', (open) => {
  it('lists webhooks oldest first with their event types, and a change shows at once; delete takes the deliveries with it', async () => {
    const store = await open();
    expect(await store.webhooks.listWebhooks()).toEqual([]);
    const { hook, other, leadA } = await setUp(store);
    expect((await store.webhooks.listWebhooks()).map((w) => [w.id, w.eventTypes])).toEqual([[hook, ['CREATED']], [other, []]]);
    await store.webhooks.enqueueDeliveries([delivery(hook, leadA, 0), delivery(other, leadA, 0)]);
    expect(await store.webhooks.deleteWebhook(hook)).toBe(true);
    expect(await store.webhooks.deleteWebhook(hook)).toBe(false);
    expect((await store.webhooks.listWebhooks()).map((w) => w.id)).toEqual([other]);
    expect(await all(store, hook)).toEqual([]);
    expect(await all(store, other)).toHaveLength(1);
    // A write rolled back leaves the list as it was, and the cache does not keep what it saw meanwhile.
    await expect(store.transaction(async (tx) => {
      await tx.webhooks.insertWebhook({ url: 'https://x.example.com', eventTypes: [], secret: 'u', createdAt: at(0) });
      expect(await tx.webhooks.listWebhooks()).toHaveLength(2);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect((await store.webhooks.listWebhooks()).map((w) => w.id)).toEqual([other]);
  });

  it('claims due deliveries oldest first under a lease; a lead\'s later delivery waits while an earlier one is PENDING', async () => {
    const store = await open();
    const { hook, other, leadA, leadB } = await setUp(store);
    await store.webhooks.enqueueDeliveries([
      delivery(hook, leadA, 0, 1), delivery(hook, leadA, 0, 2), delivery(hook, leadB, 5, 3), delivery(other, leadA, 0, 1),
    ]);
    const [a1, a2, b1, o1] = await all(store, hook).then(async (rows) => [...rows, ...await all(store, other)]);
    const claim = (now: number) => store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(now), 10, 10, [], new Map(), at(now + LEASE)));
    // a2 waits for a1 (same webhook and lead); b1 is not due; the other webhook's is independent.
    expect(ids(await claim(1))).toEqual([a1?.id, o1?.id]);
    // Leased: not claimed again, and a2 still waits (a1 is PENDING while it is sent).
    expect(ids(await claim(6))).toEqual([b1?.id]);
    // a1's attempt failed: a2 still waits while a1 waits for its retry.
    await store.webhooks.markDeliveryFailed(a1?.id ?? 0, 1, 500, 'the receiver answered 500', at(20));
    expect(await claim(7)).toEqual([]);
    expect((await all(store, hook))[0]).toMatchObject({ status: 'PENDING', attempts: 1, responseStatus: 500, lastError: 'the receiver answered 500' });
    expect(await store.webhooks.nextDeliveryDueAfter(at(7))).toBe(at(20).getTime());
    // a2 is not due before a1's retry (claims need not read it meanwhile); b1, another lead, is untouched.
    expect((await all(store, hook)).map((d) => d.nextAttemptAt)).toEqual([at(20), at(20), at(6 + LEASE)]);
    const [retry] = await claim(20);
    expect(retry).toMatchObject({ id: a1?.id, attempts: 2 });
    await store.webhooks.markDelivered(a1?.id ?? 0, 2, 204, at(21));
    expect(ids(await claim(21))).toEqual([a2?.id]);
    expect((await all(store, hook))[0]).toMatchObject({ status: 'DELIVERED', responseStatus: 204, nextAttemptAt: null, deliveredAt: at(21) });
  });

  it('an outcome counts only in the attempt it was claimed for; null retry time is FAILED for good, and a FAILED one lets the next go', async () => {
    const store = await open();
    const { hook, leadA } = await setUp(store);
    await store.webhooks.enqueueDeliveries([delivery(hook, leadA, 0, 1), delivery(hook, leadA, 0, 2)]);
    const [first, second] = await all(store, hook);
    const claim = (now: number) => store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(now), 10, 10, [], new Map(), at(now + LEASE)));
    await claim(0);
    // The lease ran out and it was claimed again: the first attempt's late outcome changes nothing.
    await claim(LEASE);
    await store.webhooks.markDelivered(first?.id ?? 0, 1, 200, at(LEASE + 1));
    expect((await all(store, hook))[0]).toMatchObject({ status: 'PENDING', attempts: 2 });
    await store.webhooks.markDeliveryFailed(first?.id ?? 0, 2, null, 'no answer within 10 s', null);
    expect((await all(store, hook))[0]).toMatchObject({ status: 'FAILED', attempts: 2, responseStatus: null, nextAttemptAt: null });
    expect(ids(await claim(LEASE + 2))).toEqual([second?.id]);
  });

  it('takes of one webhook at most perWebhook less what is in flight to it, none of exclude, and fills up with others', async () => {
    const store = await open();
    const source = await seedSource(store);
    const { hook, other } = await setUp(store);
    const leads: number[] = [];
    for (let i = 0; i < 6; i++) leads.push((await seedLead(store, source.id)).id);
    await store.webhooks.enqueueDeliveries([...leads.map((l) => delivery(hook, l, 0)), ...leads.slice(0, 3).map((l) => delivery(other, l, 1))]);
    const claimed = await store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(2), 5, 2, [], new Map(), at(2 + LEASE)));
    expect(claimed.map((r) => r.webhookId)).toEqual([hook, hook, other, other]);
    const skip = await store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(3), 5, 5, [], new Map([[hook, 5]]), at(3 + LEASE)));
    expect(skip.map((r) => r.webhookId)).toEqual([other]);
    // One of its two slots in flight: one more of that webhook, however many are due; none of `exclude`.
    const [next, ...more] = await store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(4), 5, 2, [], new Map([[hook, 1]]), at(4 + LEASE)));
    expect([next?.webhookId, more]).toEqual([hook, []]);
    const waiting = (await all(store, hook)).filter((d) => d.attempts === 0).map((d) => d.id);
    expect(waiting).toHaveLength(3);
    const excluded = await store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(5), 5, 5, [waiting[0] ?? 0], new Map(), at(5 + LEASE)));
    expect(ids(excluded)).toEqual(waiting.slice(1));
  });

  it('concurrent claims never take the same delivery, and leave none behind', async () => {
    const store = await open();
    const source = await seedSource(store);
    const { hook } = await setUp(store);
    const rows: NewWebhookDelivery[] = [];
    for (let i = 0; i < 40; i++) rows.push(delivery(hook, (await seedLead(store, source.id)).id, 0));
    await store.webhooks.enqueueDeliveries(rows);
    const workers = 4;
    await openConnections(store, workers);
    const claims = await Promise.all(Array.from({ length: workers }, () => store.transaction((tx) =>
      tx.webhooks.claimDueDeliveries(at(1), 15, 40, [], new Map(), at(1 + LEASE)))));
    // A claim locks the candidates it reads (more than it takes, to pass over busy webhooks): a claim running
    // alongside may find fewer, never the same. What none took is taken by the next claim.
    const rest = await store.transaction((tx) => tx.webhooks.claimDueDeliveries(at(1), 40, 40, [], new Map(), at(1 + LEASE)));
    const taken = [...claims.flatMap(ids), ...ids(rest)];
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.length).toBe(40);
  });
});

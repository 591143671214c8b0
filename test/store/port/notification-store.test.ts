// The notification outbox (NotificationStore) on every store: messages are claimed oldest first for their
// next attempt under a lease, an outcome is written only while the message is still in the attempt it was
// claimed for, and workers claiming at the same time (several instances on PostgreSQL) never get the same
// message.
import { expect, it } from 'vitest';
import type { Store } from '../../../src/store/port.js';
import type { NewNotification, NotificationChannel, NotificationRow } from '../../../src/store/rows.js';
import { openConnections, seedLead, seedSource, seedUser } from '../../support/port-suite.js';
import { describeEachStore } from '../../support/stores.js';

const T = Date.UTC(2025, 0, 6, 9);
const at = (seconds: number) => new Date(T + seconds * 1000);
const LEASE = 60;

/** A PENDING message of `channel`, due `dueIn` seconds after T. */
const message = (channel: NotificationChannel, dueIn: number, extra: Partial<NewNotification> = {}): NewNotification => ({
  channel, to: channel === 'sms' ? '+15125550100' : 'agent@test.example', subject: channel === 'email' ? 'A lead' : null,
  body: `due at ${dueIn}`, status: 'PENDING', attempts: 0, nextAttemptAt: at(dueIn), createdAt: at(0), ...extra,
});

const ids = (rows: readonly NotificationRow[]) => rows.map((r) => r.id);

/** A lead to hang messages on (ofLead), with the agent and source it needs. */
async function aLead(store: Store): Promise<{ leadId: number; agentId: number }> {
  const agent = await seedUser(store);
  const lead = await seedLead(store, (await seedSource(store)).id);
  return { leadId: lead.id, agentId: agent.id };
}

/** Resolves after `ms` (a pause for the other store's transactions, not a clock reading). */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeEachStore('NotificationStore', (open) => {
  it('enqueue writes the rows as given, with ids, in order; nothing for no rows; nothing left by a rolled-back transaction', async () => {
    const store = await open();
    const { leadId, agentId } = await aLead(store);
    const rows = await store.notifications.enqueue([
      message('sms', 0, { leadId, userId: agentId }), message('email', 5, { leadId, userId: agentId }),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      id: expect.any(Number), leadId, offerId: null, userId: agentId, channel: 'sms', to: '+15125550100', subject: null,
      body: 'due at 0', status: 'PENDING', attempts: 0, lastError: null, nextAttemptAt: at(0), createdAt: at(0), sentAt: null,
    });
    expect(rows[1]).toMatchObject({ channel: 'email', subject: 'A lead', nextAttemptAt: at(5) });
    expect(rows[1]?.id).toBeGreaterThan(rows[0]?.id ?? Infinity);
    expect(await store.notifications.find(rows[0]?.id ?? 0)).toEqual(rows[0]);
    expect(await store.notifications.ofLead(leadId)).toEqual(rows);
    expect(await store.notifications.enqueue([])).toEqual([]);

    let written: NotificationRow[] = [];
    await expect(store.transaction(async (tx) => {
      written = await tx.notifications.enqueue([message('sms', 0, { leadId })]);
      expect(await tx.notifications.find(written[0]?.id ?? 0)).toMatchObject({ body: 'due at 0' });
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await store.notifications.find(written[0]?.id ?? 0)).toBeNull();
    expect(await store.notifications.ofLead(leadId)).toEqual(rows);
    expect(await store.notifications.find(999_999)).toBeNull();
  });

  it('enqueueAtCommit writes the rows with the transaction\'s commit, in order, whatever their text; none when it rolls back; at once outside one and in a savepoint; a row that cannot be written fails the commit', async () => {
    const store = await open();
    const { leadId, agentId } = await aLead(store);
    // Quotes, backslashes and what would end a statement: the rows go as a quoted literal on PostgreSQL.
    const tricky = `it's \\ "quoted" '' ; commit; -- é ☎ $1 \u0000`.replace('\u0000', '');
    await store.transaction(async (tx) => {
      await tx.notifications.enqueueAtCommit([
        message('sms', 0, { leadId, userId: agentId, body: tricky }), message('email', 5, { leadId, userId: agentId }),
      ]);
      await tx.notifications.enqueueAtCommit([]);
    });
    const rows = await store.notifications.ofLead(leadId);
    expect(rows.map((r) => [r.channel, r.body, r.nextAttemptAt, r.userId, r.attempts, r.status])).toEqual([
      ['sms', tricky, at(0), agentId, 0, 'PENDING'], ['email', 'due at 5', at(5), agentId, 0, 'PENDING'],
    ]);

    await expect(store.transaction(async (tx) => {
      await tx.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'rolled back' })]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    await store.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'outside' })]);
    await store.transaction((tx) => tx.savepoint((sp) => sp.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'in a savepoint' })])));
    await store.transaction(async (tx) => {
      await expect(tx.savepoint(async (sp) => {
        await sp.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'savepoint rolled back' })]);
        throw new Error('undo the savepoint');
      })).rejects.toThrow('undo the savepoint');
    });
    expect((await store.notifications.ofLead(leadId)).map((r) => r.body)).toEqual([tricky, 'due at 5', 'outside', 'in a savepoint']);

    // A row the database refuses (no such lead): the transaction fails and nothing of it is written.
    const other = await aLead(store);
    await expect(store.transaction(async (tx) => {
      await tx.notifications.enqueue([message('sms', 0, { leadId: other.leadId, body: 'same transaction' })]);
      await tx.notifications.enqueueAtCommit([message('sms', 0, { leadId: 999_999 })]);
    })).rejects.toThrow();
    expect(await store.notifications.ofLead(other.leadId)).toEqual([]);
  });

  it('enqueueAtCommit tells `written` the rows with their ids by the time the commit resolves (in a transaction, outside one, in a savepoint); rows of a failed one are not in the outbox', async () => {
    const store = await open();
    const { leadId, agentId } = await aLead(store);
    const told: NotificationRow[][] = [];
    let toldBeforeCommitResolved = false;
    await store.transaction(async (tx) => {
      await tx.notifications.enqueueAtCommit([
        message('sms', 0, { leadId, userId: agentId, attempts: 1, nextAttemptAt: at(LEASE) }), message('email', 5, { leadId, userId: agentId }),
      ], (rows) => told.push(rows));
    }).then(() => { toldBeforeCommitResolved = told.length === 1; });
    expect(toldBeforeCommitResolved).toBe(true);
    expect(told[0]).toEqual(await store.notifications.ofLead(leadId));
    expect(told[0]?.map((r) => [r.channel, r.attempts, r.nextAttemptAt])).toEqual([['sms', 1, at(LEASE)], ['email', 0, at(5)]]);

    // Rolled back, or failed at the commit: told at once or never (SQLite writes at once; PostgreSQL
    // tells only after the COMMIT answered), and in either case not in the outbox.
    const failed: NotificationRow[][] = [];
    await expect(store.transaction(async (tx) => {
      await tx.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'rolled back' })], (rows) => failed.push(rows));
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    await expect(store.transaction(async (tx) => {
      await tx.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'fails' })], (rows) => failed.push(rows));
      await tx.notifications.enqueueAtCommit([message('sms', 0, { leadId: 999_999 })]);
    })).rejects.toThrow();
    for (const row of failed.flat()) expect(await store.notifications.find(row.id)).toBeNull();

    await store.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'outside' })], (rows) => told.push(rows));
    await store.transaction((tx) => tx.savepoint((sp) => sp.notifications.enqueueAtCommit([message('sms', 0, { leadId, body: 'in a savepoint' })], (rows) => told.push(rows))));
    expect(told.slice(1).map((rows) => rows.map((r) => r.body))).toEqual([['outside'], ['in a savepoint']]);
    expect(told.slice(1).flat().map((r) => r.id)).toEqual((await store.notifications.ofLead(leadId)).slice(2).map((r) => r.id));
    expect(told).toHaveLength(3);
  });

  it('claimDue takes the due PENDING messages of one channel, oldest due first, at most `limit`, none of `exclude`, counting the attempt and leasing each', async () => {
    const store = await open();
    const [late, early, email, notDue, sent, sameTimeA, sameTimeB] = await store.notifications.enqueue([
      message('sms', -5), message('sms', -30), message('email', -60), message('sms', 10), message('sms', -90, { status: 'SENT' }),
      message('sms', -10), message('sms', -10),
    ]);
    if (!late || !early || !email || !notDue || !sent || !sameTimeA || !sameTimeB) throw new Error('not enqueued');

    expect(await store.notifications.claimDue('sms', at(0), 0, [], at(LEASE))).toEqual([]);
    const firstTwo = await store.notifications.claimDue('sms', at(0), 2, [], at(LEASE));
    // Oldest due first (-30, then the first of the two at -10), handed back in id order.
    expect(ids(firstTwo)).toEqual([early.id, sameTimeA.id].sort((a, b) => a - b));
    for (const row of firstTwo) expect(row).toMatchObject({ status: 'PENDING', attempts: 1, nextAttemptAt: at(LEASE) });

    const rest = await store.notifications.claimDue('sms', at(0), 10, [late.id], at(LEASE));
    expect(ids(rest)).toEqual([sameTimeB.id]);
    expect(ids(await store.notifications.claimDue('sms', at(0), 10, [], at(LEASE)))).toEqual([late.id]);
    // Everything due is leased now; the email is another channel's, the SENT one is done, one is not due yet.
    expect(await store.notifications.claimDue('sms', at(0), 10, [], at(LEASE))).toEqual([]);
    expect(await store.notifications.find(notDue.id)).toMatchObject({ attempts: 0, nextAttemptAt: at(10) });
    expect(await store.notifications.find(sent.id)).toMatchObject({ status: 'SENT', attempts: 0 });
    expect(ids(await store.notifications.claimDue('email', at(0), 10, [], at(LEASE)))).toEqual([email.id]);
  });

  it('a claimed message is not claimed again until its lease runs out; then it is, as its next attempt', async () => {
    const store = await open();
    const [row] = await store.notifications.enqueue([message('email', 0)]);
    if (!row) throw new Error('not enqueued');
    expect(ids(await store.notifications.claimDue('email', at(0), 5, [], at(LEASE)))).toEqual([row.id]);
    expect(await store.notifications.claimDue('email', at(LEASE - 1), 5, [], at(2 * LEASE))).toEqual([]);
    // The process that claimed it died mid-send: at the end of the lease it is due again.
    const [again] = await store.notifications.claimDue('email', at(LEASE), 5, [], at(2 * LEASE));
    expect(again).toMatchObject({ id: row.id, attempts: 2, nextAttemptAt: at(2 * LEASE) });
  });

  it('markAllSent of one message makes a PENDING message SENT and ends its lease; a message FAILED for good stays FAILED', async () => {
    const store = await open();
    const [a, b] = await store.notifications.enqueue([message('sms', 0), message('sms', 0)]);
    if (!a || !b) throw new Error('not enqueued');
    await store.notifications.claimDue('sms', at(0), 5, [], at(LEASE));
    await store.notifications.markAttemptFailed(a.id, 1, 'provider said no', at(30));
    await store.notifications.markAllSent([a.id], at(3));
    expect(await store.notifications.find(a.id)).toMatchObject({ status: 'SENT', sentAt: at(3), nextAttemptAt: null, lastError: null, attempts: 1 });

    await store.notifications.markAttemptFailed(b.id, 1, 'gave up', null);
    await store.notifications.markAllSent([b.id], at(4));
    expect(await store.notifications.find(b.id)).toMatchObject({ status: 'FAILED', sentAt: null, lastError: 'gave up' });
  });

  it('markAllSent makes each PENDING message of the ids SENT, leaves FAILED ones and other messages alone, and takes no ids', async () => {
    const store = await open();
    const [a, b, failed, other] = await store.notifications.enqueue([message('sms', 0), message('email', 0), message('sms', 0), message('sms', 0)]);
    if (!a || !b || !failed || !other) throw new Error('not enqueued');
    await store.notifications.claimDue('sms', at(0), 5, [], at(LEASE));
    await store.notifications.markAttemptFailed(failed.id, 1, 'gave up', null);
    await store.notifications.markAllSent([], at(2));
    await store.notifications.markAllSent([a.id, b.id, failed.id], at(3));
    for (const row of [a, b]) {
      expect(await store.notifications.find(row.id)).toMatchObject({ status: 'SENT', sentAt: at(3), nextAttemptAt: null, lastError: null });
    }
    expect(await store.notifications.find(failed.id)).toMatchObject({ status: 'FAILED', sentAt: null, lastError: 'gave up' });
    expect(await store.notifications.find(other.id)).toMatchObject({ status: 'PENDING', sentAt: null });
  });

  it('markAttemptFailed records the error and the retry time, or FAILED without one; ignored once the message was claimed again', async () => {
    const store = await open();
    const [retried, failed, stale] = await store.notifications.enqueue([message('sms', 0), message('sms', 0), message('sms', 0)]);
    if (!retried || !failed || !stale) throw new Error('not enqueued');
    await store.notifications.claimDue('sms', at(0), 5, [], at(LEASE));

    await store.notifications.markAttemptFailed(retried.id, 1, 'timeout', at(30));
    expect(await store.notifications.find(retried.id)).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'timeout', nextAttemptAt: at(30) });
    expect(ids(await store.notifications.claimDue('sms', at(30), 5, [], at(30 + LEASE)))).toEqual([retried.id]);

    await store.notifications.markAttemptFailed(failed.id, 1, 'bad number', null);
    expect(await store.notifications.find(failed.id)).toMatchObject({ status: 'FAILED', lastError: 'bad number', nextAttemptAt: null });

    // The first attempt outlived its lease and the message was claimed again: its outcome is no longer the news.
    expect(ids(await store.notifications.claimDue('sms', at(LEASE), 5, [], at(2 * LEASE)))).toEqual([stale.id]);
    await store.notifications.markAttemptFailed(stale.id, 1, 'late news', null);
    expect(await store.notifications.find(stale.id)).toMatchObject({ status: 'PENDING', attempts: 2, lastError: null, nextAttemptAt: at(2 * LEASE) });
    await store.notifications.markAttemptFailed(stale.id, 2, 'second try failed', at(200));
    expect(await store.notifications.find(stale.id)).toMatchObject({ status: 'PENDING', attempts: 2, lastError: 'second try failed', nextAttemptAt: at(200) });
  });

  it('nextDueAfter is the earliest next attempt of the channel\'s PENDING messages after the given time, or null', async () => {
    const store = await open();
    expect(await store.notifications.nextDueAfter('sms', at(0))).toBeNull();
    await store.notifications.enqueue([
      message('sms', 0), message('sms', 40), message('sms', 25), message('email', 5), message('sms', 10, { status: 'FAILED' }),
    ]);
    expect(await store.notifications.nextDueAfter('sms', at(0))).toBe(at(25).getTime());
    expect(await store.notifications.nextDueAfter('sms', at(25))).toBe(at(40).getTime());
    expect(await store.notifications.nextDueAfter('sms', at(40))).toBeNull();
    expect(await store.notifications.nextDueAfter('email', at(-1))).toBe(at(5).getTime());
  });

  it('claimDueAndNext claims as claimDue does and tells the next due time as nextDueAfter would after the claim (its leases count)', async () => {
    const store = await open();
    expect(await store.notifications.claimDueAndNext('sms', at(0), 5, [], at(LEASE))).toEqual({ rows: [], nextDueAfter: null });
    const [a, b] = await store.notifications.enqueue([
      message('sms', -5), message('sms', 0), message('sms', 90), message('sms', 30), message('email', 5), message('sms', 10, { status: 'FAILED' }),
    ]);
    // Two due, room for one: the older is claimed; the other is still due (not "after now").
    const first = await store.transaction((tx) => tx.notifications.claimDueAndNext('sms', at(0), 1, [], at(LEASE)));
    expect(ids(first.rows)).toEqual([a?.id]);
    expect(first.rows[0]).toMatchObject({ attempts: 1, nextAttemptAt: at(LEASE) });
    expect(first.nextDueAfter).toBe(at(30).getTime());
    expect(first.nextDueAfter).toBe(await store.notifications.nextDueAfter('sms', at(0)));
    // The rest of what is due: the next due time is then the sooner of the claimed lease and the others.
    const second = await store.transaction((tx) => tx.notifications.claimDueAndNext('sms', at(0), 5, [], at(20)));
    expect(ids(second.rows)).toEqual([b?.id]);
    expect(second.nextDueAfter).toBe(at(20).getTime());
    expect(second.nextDueAfter).toBe(await store.notifications.nextDueAfter('sms', at(0)));
    // Nothing due: nothing claimed, and still the next due time.
    expect(await store.notifications.claimDueAndNext('sms', at(1), 5, [], at(LEASE + 1))).toEqual({ rows: [], nextDueAfter: at(20).getTime() });
    expect((await store.notifications.claimDueAndNext('email', at(0), 5, [], at(LEASE))).nextDueAfter).toBe(at(5).getTime());
  });

  it('pendingByChannel counts the PENDING messages of each channel, due or not, and 0 for a channel without any', async () => {
    const store = await open();
    expect(await store.notifications.pendingByChannel()).toEqual({ sms: 0, email: 0 });
    const [first] = await store.notifications.enqueue([
      message('sms', 0), message('sms', 500), message('sms', 0, { status: 'SENT' }), message('sms', 0, { status: 'FAILED' }),
    ]);
    expect(await store.notifications.pendingByChannel()).toEqual({ sms: 2, email: 0 });
    await store.notifications.enqueue([message('email', 0)]);
    await store.notifications.markAllSent([first?.id ?? 0], at(1));
    expect(await store.notifications.pendingByChannel()).toEqual({ sms: 1, email: 1 });
  });

  it('workers claiming in transactions at the same time never get the same message, and every due message is claimed once', async () => {
    const store = await open();
    const enqueued = await store.notifications.enqueue(Array.from({ length: 24 }, (_, i) => message(i % 4 === 0 ? 'email' : 'sms', -i)));
    const workers = 6;
    await openConnections(store, workers);
    let arrived = 0;
    let allArrived: () => void = () => {};
    const together = new Promise<void>((resolve) => { allArrived = resolve; });
    // Each worker holds its claim open until every worker has claimed (PostgreSQL runs them side by side: the
    // later claims meet the earlier ones' locked rows). A store that runs one transaction at a time cannot
    // bring them together: there each waits a moment instead, and the claims simply follow one another.
    const claims = await Promise.all(Array.from({ length: workers }, () => store.transaction(async (tx) => {
      const rows = [
        ...await tx.notifications.claimDue('sms', at(0), 3, [], at(LEASE)),
        ...await tx.notifications.claimDue('email', at(0), 1, [], at(LEASE)),
      ];
      if (++arrived === workers) allArrived();
      await Promise.race([together, pause(300)]);
      return rows;
    }, { durability: 'relaxed' })));

    const claimed = claims.flatMap(ids);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort((a, b) => a - b)).toEqual(ids(enqueued).sort((a, b) => a - b));
    for (const row of enqueued) expect(await store.notifications.find(row.id)).toMatchObject({ attempts: 1, nextAttemptAt: at(LEASE) });
  });

  it('a transaction\'s outbox refuses calls once the transaction has ended', async () => {
    const store = await open();
    const kept = await store.transaction(async (tx) => tx.notifications);
    await expect(kept.enqueue([message('sms', 0)])).rejects.toThrow();
    await expect(kept.claimDue('sms', at(0), 5, [], at(LEASE))).rejects.toThrow();
    expect(await store.notifications.pendingByChannel()).toEqual({ sms: 0, email: 0 });
  });
});

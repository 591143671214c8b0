// On PostgreSQL a new lead's first round written as its transaction's last write (RoundWrite.commit)
// carries the transaction's COMMIT (commit-batch.ts commitWithNext): BEGIN, the round's one statement
// and the COMMIT are one round trip. Once committed so, the transaction's end is answered without being
// sent and any later statement is refused; a rotation that moved fails the statement (LR001), which
// skips the COMMIT, and the transaction runs again, checking at once.
import { afterEach, describe, expect, it } from 'vitest';
import { rotationAtRefusal, type Rotation, type RotationTicket, type StoreTx } from '../../src/store/port.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { rawFixture as fixture, rawSql as exec } from '../support/port-suite.js';
import { statementsOf } from '../support/pg-statements.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

const T0 = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));

async function open(poolSize = 1): Promise<PostgresStore> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  // Alone on its database at once (no grace: Presence in pg-store.ts), and one connection unless told.
  const store = await openPostgresStore(database.url, { presenceGraceMs: 0, poolSize });
  cleanup.push(() => store.close());
  return store;
}

const rotation = (anchor: number | null): Rotation => ({ anchor, credits: null });

/** A new lead's first round, one offer to `agentId` with an SMS for it, committing with its statement. */
function round(tx: StoreTx, sourceId: number, agentId: number, read: Rotation, name = `Lead for ${agentId}`, ticket?: RotationTicket, commit = true) {
  return tx.leads.writeRound({
    lead: { insert: { sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: name, createdAt: T0 } },
    patch: { round: 1, routingAnchor: agentId }, round: 1, at: T0, decisions: [[agentId, 'OFFERED']],
    offers: [{ agentId, round: 1, state: 'PENDING', offeredAt: T0, expiresAt: new Date(T0.getTime() + 60_000) }],
    rotation: { sourceId, read, next: rotation(agentId), ...(ticket ? { ticket } : {}) }, events: [], leadEvents: [{ type: 'CREATED', at: T0 }],
    messages: [{ userId: agentId, channel: 'sms', to: '+15550001111', body: 'New lead', status: 'PENDING', attempts: 0, nextAttemptAt: T0, createdAt: T0 }],
    commit,
  });
}

const counts = async (store: PostgresStore) =>
  (await exec(store, 'SELECT (SELECT count(*) FROM leads)::int AS l, (SELECT count(*) FROM offers)::int AS o, (SELECT count(*) FROM notifications)::int AS n'))[0];
const noTransactionOpen = async (store: PostgresStore) =>
  (await store.pool.query<{ open: boolean }>('SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS open')).rows[0]?.open === false;

describe.skipIf(!available)('a first round committing with its own statement (PostgreSQL)', () => {
  it('BEGIN, the round and the COMMIT go in one round trip, and what it wrote is committed', async () => {
    const store = await open();
    const { sourceId, agentIds } = await fixture(store, 1);
    const [a1] = agentIds as [number];
    let written: Awaited<ReturnType<typeof round>> | undefined;
    const texts = (await statementsOf(async () => {
      written = await store.transaction((tx) => round(tx, sourceId, a1, rotation(null)));
    })).map((s) => s.text.trim().split(/\s+/)[0]?.toLowerCase());
    // No COMMIT (or ROLLBACK) of its own: it went with the round's statement.
    expect(texts).toEqual(['with']);
    if (!written || 'moved' in written) throw new Error('the round was not written');
    expect(written.messages.map((m) => [m.offerId, m.userId, m.leadId])).toEqual([[written.offers[0]?.id, a1, written.lead.id]]);
    expect(await counts(store)).toEqual({ l: 1, o: 1, n: 1 });
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a1));
    expect(await noTransactionOpen(store)).toBe(true);
  });

  it('a statement after it in the same transaction is refused (it would run outside the transaction); the round stays committed', async () => {
    const store = await open();
    const { sourceId, agentIds } = await fixture(store, 1);
    const [a1] = agentIds as [number];
    const failed = await store.transaction(async (tx) => {
      await round(tx, sourceId, a1, rotation(null));
      await tx.leads.readRotation(sourceId);
    }).then(() => null, (err: unknown) => err);
    // drizzle wraps the refusal ("Failed query: …"); its cause says why.
    expect(String((failed as { cause?: unknown } | null)?.cause)).toMatch(/after its transaction committed/);
    // The refusal is the caller's bug, not a rollback: the round committed before it.
    expect(await counts(store)).toEqual({ l: 1, o: 1, n: 1 });
    expect(await noTransactionOpen(store)).toBe(true);
    // The connection (the pool's only one) runs the next transaction as usual.
    const next = await store.transaction((tx) => round(tx, sourceId, a1, rotation(a1), 'Next'));
    expect('moved' in next).toBe(false);
    expect(await counts(store)).toEqual({ l: 2, o: 2, n: 2 });
  });

  it('planned from a rotation that moved: the statement fails with the rotation as it is, the COMMIT after it is skipped, nothing is written; refused twice, the run after checks at once', async () => {
    const store = await open();
    const { sourceId, agentIds } = await fixture(store, 2);
    const [a1, a2] = agentIds as [number, number];
    await store.transaction((tx) => round(tx, sourceId, a2, rotation(null)));
    const before = await counts(store);
    const results: string[] = [];
    const refusedWith: unknown[] = [];
    const texts = (await statementsOf(() => store.transaction(async (tx) => {
      // Planned from the stale rotation on every run (routing-service.ts plans from the refusal's instead).
      const w = await round(tx, sourceId, a1, rotation(null)).catch((err: unknown) => {
        refusedWith.push(rotationAtRefusal(err));
        throw err;
      });
      results.push('moved' in w ? `moved to ${w.moved.anchor}` : 'written');
      return w;
    }))).map((s) => s.text.trim().split(/\s+/)[0]?.toLowerCase());
    // The first two runs never came back (LR001), each saying where the rotation is; the third checks
    // at once and returns moved.
    expect(refusedWith).toEqual([expect.objectContaining(rotation(a2)), expect.objectContaining(rotation(a2))]);
    expect(results).toEqual([`moved to ${a2}`]);
    expect(texts).toEqual(['with', 'rollback', 'with', 'rollback', 'with', 'commit']);
    expect(await counts(store)).toEqual(before);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a2));
    expect(await noTransactionOpen(store)).toBe(true);
  });

  it('planned after a round still in flight, it is checked at the commit behind that round (not refused); planned after one that has ended, it commits with its statement', async () => {
    const store = await open(3);
    const { sourceId, agentIds } = await fixture(store, 3);
    const [a1, a2, a3] = agentIds as [number, number, number];
    // The first round's transaction (ticket 1) is held open once its round is written.
    let written = () => {};
    const isWritten = new Promise<void>((resolve) => { written = resolve; });
    let commit = () => {};
    const mayCommit = new Promise<void>((resolve) => { commit = resolve; });
    const first = store.transaction(async (tx) => {
      const w = await round(tx, sourceId, a1, rotation(null), 'First', { mine: 1, after: null }, false);
      written();
      await mayCommit;
      return w;
    });
    await isWritten;
    // The second (ticket 2, planned from the first's next) on a connection of its own.
    let runs = 0;
    const second = statementsOf(() => store.transaction((tx) => { runs++; return round(tx, sourceId, a2, rotation(a1), 'Second', { mine: 2, after: 1 }); }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await counts(store)).toEqual({ l: 0, o: 0, n: 0 });
    commit();
    expect('moved' in await first).toBe(false);
    const texts = (await second).map((st) => st.text.trim().split(/\s+/)[0]?.toLowerCase());
    // Not the round carrying the COMMIT: its own statement, then the rotation's check with the COMMIT.
    expect(texts[0]).toBe('with');
    expect(texts.length).toBeGreaterThan(1);
    expect(runs).toBe(1);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a2));

    // The third (ticket 3, after 2, which has ended): one round trip again.
    const third = (await statementsOf(() => store.transaction((tx) => round(tx, sourceId, a3, rotation(a2), 'Third', { mine: 3, after: 2 }))))
      .map((st) => st.text.trim().split(/\s+/)[0]?.toLowerCase());
    expect(third).toEqual(['with']);
    expect(await counts(store)).toEqual({ l: 3, o: 3, n: 3 });
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a3));
  });
});

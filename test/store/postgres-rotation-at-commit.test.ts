// On PostgreSQL a first round with a rotation ticket (port.ts RoundWrite) is written at once and its
// source's rotation is checked with the COMMIT (lead-store.ts rotationCheck): the source row is locked
// only while the COMMIT runs, a round planned after another commits only after that one did (waiting for
// it inside PostgreSQL, on its ticket's lock), and a round whose rotation moved is refused at the commit
// and run again, checking at once.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Rotation, RotationTicket, StoreTx } from '../../src/store/port.js';
import type { LeadRow } from '../../src/store/rows.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { rawFixture as fixture, rawSql as exec } from '../support/port-suite.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

const T0 = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));

async function open(): Promise<{ store: PostgresStore; url: string }> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  // Alone on its database at once (no grace: Presence in pg-store.ts).
  const store = await openPostgresStore(database.url, { presenceGraceMs: 0 });
  cleanup.push(() => store.close());
  return { store, url: database.url };
}

/** Whether another connection can lock the source row now (NOWAIT): whether no transaction holds it. */
async function sourceRowFree(url: string, sourceId: number): Promise<boolean> {
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM lead_sources WHERE id = $1 FOR NO KEY UPDATE NOWAIT', [sourceId]);
    return true;
  } catch {
    return false;
  } finally {
    await other.end();
  }
}

/** How many backends wait for an advisory lock now (a rotation check waiting for the round before it). */
async function ticketLockWaits(url: string): Promise<number> {
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    const { rows } = await other.query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    return Number(rows[0]?.n);
  } finally {
    await other.end();
  }
}

/** A first round of a new lead, planned from `read` to `next`, one offer to `agentId`. */
function round(tx: StoreTx, sourceId: number, agentId: number, read: Rotation, next: Rotation, ticket?: RotationTicket) {
  return tx.leads.writeRound({
    lead: { insert: { sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: `Lead for ${agentId}`, createdAt: T0 } },
    patch: { round: 1, routingAnchor: agentId }, round: 1, at: T0, decisions: [[agentId, 'OFFERED']],
    offers: [{ agentId, round: 1, state: 'PENDING', offeredAt: T0, expiresAt: new Date(T0.getTime() + 60_000) }],
    rotation: { sourceId, read, next, ...(ticket ? { ticket } : {}) }, events: [], leadEvents: [{ type: 'CREATED', at: T0 }],
  });
}

const rotation = (anchor: number | null): Rotation => ({ anchor, credits: null });
const leadCount = async (store: PostgresStore) => Number((await exec(store, 'SELECT count(*) AS n FROM leads'))[0]?.n);

/** A promise and its resolver. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}

/**
 * A first round of a new lead planned from no rotation to `agentId` (ticket 1, after none), its transaction
 * held open once written: `whileOpen` runs then; the round as written comes back once it has committed.
 */
async function roundHeldOpen(store: PostgresStore, sourceId: number, agentId: number, whileOpen: () => Promise<void>) {
  const written = gate();
  const commit = gate();
  const done = store.transaction(async (tx) => {
    const w = await round(tx, sourceId, agentId, rotation(null), rotation(agentId), { mine: 1, after: null });
    written.open();
    await commit.wait;
    return w;
  });
  await written.wait;
  try {
    await whileOpen();
  } finally {
    commit.open();
  }
  return done;
}

describe.skipIf(!available)('first rounds checking their rotation at the commit (PostgreSQL)', () => {
  it('the round is written without the source row\'s lock, which is taken, and the rotation moved, only by the COMMIT', async () => {
    const { store, url } = await open();
    const { sourceId, agentIds } = await fixture(store, 2);
    const [a1] = agentIds as [number];
    const done = await roundHeldOpen(store, sourceId, a1, async () => {
      // Another connection locks the source row at once (NOWAIT): nothing holds it while the round's
      // transaction is open. The rotation is still as it was.
      expect(await sourceRowFree(url, sourceId)).toBe(true);
      expect(await store.leads.readRotation(sourceId)).toEqual(rotation(null));
    });
    expect('moved' in done).toBe(false);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a1));
  });

  it('planned from a rotation that moved before the commit: refused there, nothing written, run again and checked at once (moved), then written', async () => {
    const { store } = await open();
    const { sourceId, agentIds } = await fixture(store, 3);
    const [a1, a2, a3] = agentIds as [number, number, number];
    const written = gate();
    const commit = gate();
    const results: string[] = [];
    let runs = 0;
    const done = store.transaction(async (tx) => {
      runs++;
      // As routing-service plans: from its guess first; moved, from the rotation writeRound returns.
      let read = rotation(null);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const head = read.anchor === a1 ? a2 : a1;
        const w = await round(tx, sourceId, head, read, rotation(head), attempt === 1 ? { mine: 10 + runs, after: null } : undefined);
        if (runs === 1) {
          written.open();
          await commit.wait;
        }
        if (!('moved' in w)) {
          results.push(`run ${runs}: written, head ${head}`);
          return w;
        }
        results.push(`run ${runs}: moved to ${w.moved.anchor}`);
        read = w.moved;
      }
      throw new Error('moved twice');
    });
    await written.wait;
    // Meanwhile another instance's round moves the rotation to a3 and commits.
    await store.transaction((tx) => round(tx, sourceId, a3, rotation(null), rotation(a3)));
    commit.open();
    await done;
    expect(results).toEqual([`run 1: written, head ${a1}`, `run 2: moved to ${a3}`, `run 2: written, head ${a1}`]);
    expect(runs).toBe(2);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a1));
    // The refused run's lead was rolled back: the other instance's lead and this one's second run's.
    expect(await leadCount(store)).toBe(2);
  });

  it('a round planned after another one (its ticket) commits only once that one has, waiting inside PostgreSQL, and is not refused', async () => {
    const { store, url } = await open();
    const { sourceId, agentIds } = await fixture(store, 3);
    const [a1, a2] = agentIds as [number, number];
    const firstWritten = gate();
    const firstCommit = gate();
    const order: string[] = [];
    let secondRuns = 0;
    const first = store.transaction(async (tx) => {
      const w = await round(tx, sourceId, a1, rotation(null), rotation(a1), { mine: 1, after: null });
      firstWritten.open();
      await firstCommit.wait;
      order.push('first asks to commit');
      return w;
    }).then((w) => {
      order.push('first committed');
      return w;
    });
    await firstWritten.wait;
    const second = store.transaction(async (tx) => {
      secondRuns++;
      const w = await round(tx, sourceId, a2, rotation(a1), rotation(a2), { mine: 2, after: 1 });
      order.push('second asks to commit');
      return w;
    }).then((w) => {
      order.push('second committed');
      return w;
    });
    await new Promise((r) => setTimeout(r, 100));
    // The second's COMMIT has gone: its check waits in PostgreSQL for the first's ticket lock.
    expect(order).toEqual(['second asks to commit']);
    expect(await ticketLockWaits(url)).toBe(1);
    firstCommit.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['second asks to commit', 'first asks to commit', 'first committed', 'second committed']);
    expect(secondRuns).toBe(1);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a2));
  });

  it('a round planned after one that does not commit is not committed either: its transaction runs again, checking at once', async () => {
    const { store } = await open();
    const { sourceId, agentIds } = await fixture(store, 3);
    const [a1, a2] = agentIds as [number, number];
    const firstWritten = gate();
    const fail = gate();
    const first = store.transaction(async (tx) => {
      await round(tx, sourceId, a1, rotation(null), rotation(a1), { mine: 1, after: null });
      firstWritten.open();
      await fail.wait;
      throw new Error('the first change failed');
    });
    await firstWritten.wait;
    const runs: string[] = [];
    const second = store.transaction(async (tx) => {
      // Planned from the first's `next`; run again, planned from what writeRound says the rotation is.
      let read = rotation(a1);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const head = read.anchor === a1 ? a2 : a1;
        const w = await round(tx, sourceId, head, read, rotation(head), runs.length === 0 ? { mine: 2, after: 1 } : undefined);
        if (!('moved' in w)) {
          runs.push(`written from ${read.anchor}`);
          return w;
        }
        runs.push(`moved to ${w.moved.anchor}`);
        read = w.moved;
      }
      throw new Error('moved twice');
    });
    await new Promise((r) => setTimeout(r, 50));
    fail.open();
    await expect(first).rejects.toThrow('the first change failed');
    await second;
    // The first run, planned from a1, never committed; the second found the rotation as it is (null).
    expect(runs).toEqual([`written from ${a1}`, 'moved to null', 'written from null']);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a1));
    expect(await leadCount(store)).toBe(1);
  });

  it('an instance that hears another on its database checks at once, under the source row\'s lock taken by the round\'s statement', async () => {
    const { store, url } = await open();
    const { sourceId, agentIds } = await fixture(store, 2);
    const [a1] = agentIds as [number];
    const atCommit = () => store.transaction((tx) => tx.leads.checksRotationAtCommit());
    expect(await atCommit()).toBe(true);
    // A second instance on the same database says it is there as it opens: the first hears it.
    const second = await openPostgresStore(url, { presenceGraceMs: 0 });
    cleanup.push(() => second.close());
    let checks = true;
    for (let i = 0; i < 100 && checks; i++) {
      checks = await atCommit();
      if (checks) await new Promise((r) => setTimeout(r, 20));
    }
    expect(checks).toBe(false);
    const done = await roundHeldOpen(store, sourceId, a1, async () => {
      expect(await sourceRowFree(url, sourceId)).toBe(false);
    });
    expect('moved' in done).toBe(false);
    expect(await store.leads.readRotation(sourceId)).toEqual(rotation(a1));
  });

  it('a lead sent again while its first copy is being written waits for that copy and finds it (findLeadByExternalId)', async () => {
    const { store } = await open();
    const { sourceId } = await fixture(store, 1);
    const firstRead = gate();
    const commit = gate();
    const first = store.transaction(async (tx) => {
      expect(await tx.leads.findLeadByExternalId(sourceId, 'portal-1')).toBeNull();
      firstRead.open();
      const lead = await tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'First', externalId: 'portal-1', createdAt: T0 });
      await commit.wait;
      return lead;
    });
    await firstRead.wait;
    let found: LeadRow | null | undefined;
    const second = store.transaction(async (tx) => {
      found = await tx.leads.findLeadByExternalId(sourceId, 'portal-1');
      return found;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(found).toBeUndefined();
    commit.open();
    const made = await first;
    expect((await second)?.id).toBe(made.id);
    // Another external id (or another source's) does not wait.
    expect(await store.transaction((tx) => tx.leads.findLeadByExternalId(sourceId, 'portal-2'))).toBeNull();
  });
});

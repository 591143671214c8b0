// On PostgreSQL a lead's change commits without waiting for its WAL flush: it is announced (its offer
// pushed) at the commit and answered once a flush barrier has committed after it (flush-barrier.ts).
// Here the barrier is held back by another session holding every flush_marks row, the way a slow
// disk would hold it: the lead is committed, visible and announced, and still not answered.
import pg from 'pg';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { ManualClock } from '../../src/time/clock.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const ADMIN = { id: 1, role: 'ADMIN' as const };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

async function build(): Promise<{ url: string; store: PostgresStore; services: Services; source: number }> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const store = await openPostgresStore(database.url);
  cleanup.push(() => store.close());
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
  const services = await createServices({ store, clock: new ManualClock(), bus: createInProcessEventBus(), config, logger: pino({ level: 'silent' }) });
  cleanup.push(() => services.deadlines.stop());
  const office = (await services.users.createOffice('North')).id;
  await services.users.createUser({ name: 'Ana', email: 'ana@example.com', role: 'AGENT', officeIds: [office] });
  const source = (await services.sources.createLeadSource({ name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 60 })).id;
  return { url: database.url, store, services, source };
}

describe.skipIf(!available)('a lead\'s change on PostgreSQL', () => {
  it('is announced at its commit, visible to other sessions, and answered only once the flush barrier has committed', async () => {
    const { url, store, services, source } = await build();
    const heard: string[] = [];
    services.leadChanges.onCommitted((c) => heard.push(...c.offers.map((o) => o.lead.firstName ?? '')));
    const flushesBefore = store.flushBarrier.flushes;

    // Another session takes every barrier slot's row lock and keeps its transaction open.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanup.push(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('INSERT INTO flush_marks (slot, marks) SELECT g, 0 FROM generate_series(0, 63) g ON CONFLICT (slot) DO UPDATE SET marks = flush_marks.marks');

    let answered = false;
    const submit = services.routing.submitLead({ sourceId: source, firstName: 'Quick' }, ADMIN).then((r) => { answered = true; return r; });
    while (heard.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(heard).toEqual(['Quick']);
    // Committed: another session sees the lead and its offer.
    const seen = await holder.query<{ offers: number }>("SELECT count(*)::int AS offers FROM offers o JOIN leads l ON l.id = o.lead_id WHERE l.first_name = 'Quick'");
    expect(seen.rows[0]?.offers).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);

    await holder.query('COMMIT');
    const { lead } = await submit;
    expect(lead.firstName).toBe('Quick');
    expect(store.flushBarrier.flushes - flushesBefore).toBe(1);
  });
});

// A deadline pass claims contact deadlines (a transaction of its own) only once one may be due: the
// ones this process sets, and the earliest the database holds whenever the scheduler re-reads it. A
// burst of expired offers runs a pass per 50, and each spent two round trips on PostgreSQL on a claim
// that found nothing.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/time/clock.js';

const ADMIN = { id: 1, role: 'ADMIN' as const };
let database: SqliteStore | null = null;

afterEach(async () => {
  await database?.close();
  database = null;
});

async function build() {
  database = openSqliteStore(':memory:');
  const clock = new ManualClock();
  const config = loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' });
  // The scheduler is not started: each pass below is run by hand.
  const services = await createServices({ store: database, clock, bus: createInProcessEventBus(), config, logger: pino({ level: 'silent' }) });
  const office = (await services.users.createOffice('North')).id;
  const agent = (await services.users.createUser({ name: 'Ann', email: 'ann@example.com', role: 'AGENT', officeIds: [office] })).id;
  const source = (await services.sources.createLeadSource({
    name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 3600, contactDeadlineSeconds: 600,
  })).id;
  return { database, services, clock, agent, source };
}

/** How many transactions one deadline pass ran, and what it processed. */
async function pass(services: Services): Promise<{ transactions: number; processed: number }> {
  const before = services.leadChanges.stats.commits;
  const { processed } = await services.routing.processDueDeadlines();
  return { transactions: services.leadChanges.stats.commits - before, processed };
}

describe('contact-deadline claims in a deadline pass', () => {
  it('claims at start, then only once a contact deadline this process set is due', async () => {
    const { services, clock, agent, source } = await build();
    // The first pass claims whatever fell due while the server was down.
    expect(await pass(services)).toEqual({ transactions: 2, processed: 0 });
    // Nothing due since: the offer windows' transaction alone.
    expect(await pass(services)).toEqual({ transactions: 1, processed: 0 });

    const { lead } = await services.routing.submitLead({ sourceId: source, firstName: 'Robin' }, ADMIN);
    const [offer] = await services.stores.leads.offersOfLead(lead.id);
    if (!offer) throw new Error('no offer');
    await services.routing.acceptOffer(offer.id, { id: agent, role: 'AGENT' });
    await clock.advance(599_000);
    expect(await pass(services)).toEqual({ transactions: 1, processed: 0 });
    await clock.advance(1_000);
    // Due: claimed and reclaimed (its only agent held it, so it goes UNASSIGNED).
    expect(await pass(services)).toEqual({ transactions: 2, processed: 1 });
    expect(await services.stores.leads.findLead(lead.id)).toMatchObject({ state: 'UNASSIGNED', ownerId: null, contactDueAt: null });
    expect(await pass(services)).toEqual({ transactions: 1, processed: 0 });
  });

  it('claims one set behind its back (another instance) once the scheduler has read the earliest deadline', async () => {
    const { database, services, clock, agent, source } = await build();
    await pass(services);
    const { lead } = await services.routing.submitLead({ sourceId: source, firstName: 'Robin' }, ADMIN);
    const [offer] = await services.stores.leads.offersOfLead(lead.id);
    if (!offer) throw new Error('no offer');
    await services.routing.acceptOffer(offer.id, { id: agent, role: 'AGENT' });
    // As another instance's accept would leave it: due in a minute, which this process never set.
    database.sqlite.prepare('UPDATE leads SET contact_due_at = ? WHERE id = ?').run(clock.now() + 60_000, lead.id);
    await clock.advance(60_000);
    // Still known as due in ten minutes, so this pass does not claim...
    expect(await pass(services)).toEqual({ transactions: 1, processed: 0 });
    // ...until the scheduler reads the earliest deadline (after every pass without a backlog; at least
    // every second with several instances), which it then arms for.
    expect(await services.routing.earliestPendingDeadline()).toBe(clock.now());
    expect(await pass(services)).toEqual({ transactions: 2, processed: 1 });
    expect(await services.stores.leads.findLead(lead.id)).toMatchObject({ state: 'UNASSIGNED', contactDueAt: null });
  });
});

// Group commit: leads submitted in the same turn of the event loop share one transaction (one fsync),
// each in its own savepoint, so one that fails rolls back alone and the others still commit; nobody
// hears of a lead before its commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../src/domain/errors.js';
import type { CommittedChanges } from '../../src/events/routing-events.js';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/time/clock.js';

const ADMIN = { id: 1, role: 'ADMIN' as const };
let world: { dir: string; database: SqliteStore; services: Services } | null = null;

afterEach(async () => {
  if (!world) return;
  await world.services.deadlines.stop();
  await world.database.close();
  rmSync(world.dir, { recursive: true, force: true });
  world = null;
});

async function build() {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-group-'));
  const file = join(dir, 'db.sqlite');
  const database = openSqliteStore(file);
  const config = loadConfig({ DATABASE_URL: file, LOG_LEVEL: 'silent' });
  const clock = new ManualClock();
  const services = await createServices({ store: database, clock, bus: createInProcessEventBus(), config, logger: pino({ level: 'silent' }) });
  const office = (await services.users.createOffice('North')).id;
  const agents = [];
  for (let i = 0; i < 3; i++) agents.push((await services.users.createUser({ name: `A${i}`, email: `a${i}@example.com`, role: 'AGENT', officeIds: [office] })).id);
  const source = (await services.sources.createLeadSource({ name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 60 })).id;
  world = { dir, database, services };
  return { database, services, agents, source, clock };
}

const count = (database: SqliteStore, table: string): number =>
  (database.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('group commit of submitted leads', () => {
  it('commits leads queued in one turn together; a failing one rolls back alone', async () => {
    const { database, services, source } = await build();
    const heard: CommittedChanges[] = [];
    services.leadChanges.onCommitted((c) => heard.push(c));
    const before = { ...services.leadChanges.stats };

    const submits = [
      services.routing.submitLead({ sourceId: source, firstName: 'Ann' }, ADMIN),
      // Fails inside the transaction (the target is looked up there), after Ann's rows were written.
      services.routing.submitLead({ sourceId: source, firstName: 'Bad', targetUserId: 999_999 }, ADMIN),
      services.routing.submitLead({ sourceId: source, firstName: 'Cy' }, ADMIN),
    ];
    // Nothing is committed or announced before the shared commit.
    expect(count(database, 'leads')).toBe(0);
    expect(heard).toHaveLength(0);

    const results = await Promise.allSettled(submits);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failed = results[1];
    expect(failed?.status === 'rejected' && failed.reason instanceof DomainError && failed.reason.code).toBe(ErrorCode.BAD_USER_INPUT);

    // One commit carried both good leads; the bad one left no row behind (lead, event, offer, outbox).
    expect(services.leadChanges.stats.commits - before.commits).toBe(1);
    expect(services.leadChanges.stats.changes - before.changes).toBe(2);
    const names = (database.sqlite.prepare('SELECT first_name FROM leads ORDER BY id').all() as { first_name: string }[]).map((r) => r.first_name);
    expect(names).toEqual(['Ann', 'Cy']);
    expect(count(database, 'offers')).toBe(2);
    expect(database.sqlite.prepare("SELECT count(*) AS n FROM lead_events WHERE type = 'CREATED'").get()).toEqual({ n: 2 });
    const outboxLeads = new Set((database.sqlite.prepare('SELECT lead_id FROM notifications').all() as { lead_id: number }[]).map((r) => r.lead_id));
    const leadIds = (database.sqlite.prepare('SELECT id FROM leads').all() as { id: number }[]).map((r) => r.id);
    expect([...outboxLeads].sort()).toEqual(leadIds.sort());

    // Round robin still advanced lead by lead inside the shared transaction: two different agents.
    const offered = (database.sqlite.prepare('SELECT agent_id FROM offers ORDER BY id').all() as { agent_id: number }[]).map((r) => r.agent_id);
    expect(new Set(offered).size).toBe(2);
    // Each committed lead was announced once, after the commit.
    expect(heard.flatMap((c) => c.offers.map((o) => o.lead.firstName))).toEqual(['Ann', 'Cy']);
  });

  it('accepts racing in one group: exactly one wins, the others are told the offer is closed', async () => {
    const { database, services, agents } = await build();
    const wide = (await services.sources.createLeadSource({ name: 'Wide', raceAgentCount: 3, acceptanceWindowSeconds: 60 })).id;
    const { lead } = await services.routing.submitLead({ sourceId: wide, firstName: 'Race' }, ADMIN);
    const offers = database.sqlite.prepare('SELECT id, agent_id FROM offers WHERE lead_id = ? ORDER BY id').all(lead.id) as { id: number; agent_id: number }[];
    expect(offers.map((o) => o.agent_id).sort()).toEqual([...agents].sort());
    const before = services.leadChanges.stats.commits;
    const answers = await Promise.allSettled(offers.map((o) => services.routing.acceptOffer(o.id, { id: o.agent_id, role: 'AGENT' })));
    expect(services.leadChanges.stats.commits - before).toBe(1);
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of answers) {
      if (a.status === 'rejected') expect(a.reason).toMatchObject({ code: ErrorCode.OFFER_CLOSED });
    }
    const states = (database.sqlite.prepare('SELECT state FROM offers WHERE lead_id = ? ORDER BY state').all(lead.id) as { state: string }[]).map((r) => r.state);
    expect(states).toEqual(['ACCEPTED', 'TAKEN', 'TAKEN']);
  });

  it('a lead is announced at its commit and answered once the commit is on disk', async () => {
    const { database, services, source } = await build();
    const heard: string[] = [];
    services.leadChanges.onCommitted((c) => heard.push(...c.offers.map((o) => o.lead.firstName ?? '')));
    // Holds the store's durable() (the WAL's fsync, off the event loop) until released.
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    const durable = database.durable.bind(database);
    let syncedAt = 0;
    database.durable = async () => {
      await held;
      await durable();
      syncedAt = database.walSync.fsyncs;
    };
    const before = database.walSync.fsyncs;
    let answered = false;
    const submit = services.routing.submitLead({ sourceId: source, firstName: 'Quick' }, ADMIN).then((r) => { answered = true; return r; });
    // Committed (without its fsync) and announced: the agent hears of it before the disk has it.
    while (heard.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(['Quick']);
    expect(count(database, 'leads')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    release();
    const { lead } = await submit;
    expect(lead.firstName).toBe('Quick');
    // Answered after one fsync of the WAL, run by durable().
    expect(syncedAt - before).toBe(1);
  });

  it('a deadline pass answers nobody: it goes on at its commit, without waiting for the disk', async () => {
    const { database, services, source, clock } = await build();
    await services.deadlines.stop();
    await services.routing.submitLead({ sourceId: source, firstName: 'Late' }, ADMIN);
    await clock.advance(61_000);
    let durableCalls = 0;
    database.durable = () => {
      durableCalls++;
      return new Promise<void>(() => {});
    };
    // Resolves although durable() never would: the expiry and the lead's next round are committed.
    await expect(services.routing.processDueDeadlines()).resolves.toMatchObject({ processed: 1 });
    expect(durableCalls).toBe(0);
    expect(database.sqlite.prepare("SELECT count(*) AS n FROM offers WHERE state = 'EXPIRED'").get()).toEqual({ n: 1 });
  });

  it('a lead submitted in a later turn gets a commit of its own', async () => {
    const { services, source } = await build();
    const before = services.leadChanges.stats.commits;
    await services.routing.submitLead({ sourceId: source, firstName: 'One' }, ADMIN);
    await services.routing.submitLead({ sourceId: source, firstName: 'Two' }, ADMIN);
    expect(services.leadChanges.stats.commits - before).toBe(2);
  });

  it('an idempotent replay in the same group returns the lead its twin just wrote', async () => {
    const { database, services, source } = await build();
    const [a, b] = await Promise.all([
      services.routing.submitLead({ sourceId: source, firstName: 'Dup', externalId: 'ext-1' }, ADMIN),
      services.routing.submitLead({ sourceId: source, firstName: 'Dup', externalId: 'ext-1' }, ADMIN),
    ]);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.lead.id).toBe(a.lead.id);
    expect(count(database, 'leads')).toBe(1);
  });
});

// On PostgreSQL a new lead is one round trip: routing drafts the round's outbox rows before the round is
// written (LeadChanges.draftRound), and the round's statement writes the lead, its offers, their events
// and the messages and carries the COMMIT (RoundWrite.commit). The caller is answered after the flush
// barrier, its one other statement. With other instances on the database as well: a round refused there
// (another instance moved the rotation) is run again from the rotation the refusal found. A webhook that
// wants the round's events needs their ids, which a draft cannot know: the round is then written and
// committed as before, with the deliveries after it.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { ACTION_LINK_SLOT } from '../../src/services/action-links.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { ManualClock } from '../../src/time/clock.js';
import { statementsOf } from '../support/pg-statements.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const ADMIN = { id: 1, role: 'ADMIN' as const };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** `alone`: the store counts itself alone on its database at once (no grace: Presence in pg-store.ts); else not yet. */
async function build(alone = true): Promise<{ store: PostgresStore; services: Services; source: number; agent: number }> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const store = await openPostgresStore(database.url, alone ? { presenceGraceMs: 0 } : {});
  cleanup.push(() => store.close());
  // SMS configured (a provider nobody listens on: nothing here waits for a send).
  const config = loadConfig({
    DATABASE_URL: database.url, LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    SMS_API_URL: 'http://127.0.0.1:9/', SMS_ACCOUNT_SID: 'AC123', SMS_AUTH_TOKEN: 'secret-token', SMS_FROM: '+15125550000',
  });
  const services = await createServices({ store, clock: new ManualClock(), bus: createInProcessEventBus(), config, logger: pino({ level: 'silent' }) });
  cleanup.push(async () => { services.deadlines.stop(); });
  const office = (await services.users.createOffice('North')).id;
  const agent = (await services.users.createUser({ name: 'Ana', email: 'ana@example.com', phone: '+15125551234', role: 'AGENT', officeIds: [office] })).id;
  const source = (await services.sources.createLeadSource({ name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 60 })).id;
  // The first lead reads what routing caches (the source, the roster); the one measured reads none of it.
  await services.routing.submitLead({ sourceId: source, firstName: 'Warm' }, ADMIN);
  return { store, services, source, agent };
}

/**
 * An instance not alone (build(false)) with two more agents, after a lead that read the changed roster
 * and moved the rotation to the second agent: the next round plans from there, towards the third.
 */
async function threeAgents(): Promise<Awaited<ReturnType<typeof build>> & { second: number; third: number }> {
  const built = await build(false);
  const { store, services, source } = built;
  const office = (await services.users.createOffice('South')).id;
  const second = (await services.users.createUser({ name: 'Bo', email: 'bo@example.com', role: 'AGENT', officeIds: [office] })).id;
  const third = (await services.users.createUser({ name: 'Cy', email: 'cy@example.com', role: 'AGENT', officeIds: [office] })).id;
  await services.routing.submitLead({ sourceId: source, firstName: 'Warm again' }, ADMIN);
  expect(await store.leads.readRotation(source)).toEqual({ anchor: second, credits: null });
  return { ...built, second, third };
}

/** Each statement's first word (a round trip each; BEGIN goes with the first statement). */
const firstWords = (statements: { text: string }[]) => statements.map((s) => s.text.trim().split(/\s+/)[0]?.toLowerCase());

const outbox = async (store: PostgresStore, leadId: number) =>
  (await store.pool.query<{ offer_id: number; user_id: number; channel: string; body: string }>(
    'SELECT offer_id, user_id, channel, body FROM notifications WHERE lead_id = $1 ORDER BY id', [leadId])).rows;

describe.skipIf(!available)('a new lead on PostgreSQL', () => {
  it('is written with its offer\'s SMS and email in one round trip that commits, then answered after the flush barrier', async () => {
    const { store, services, source, agent } = await build();
    let leadId = 0;
    const sent = await statementsOf(async () => {
      leadId = Number((await services.routing.submitLead({ sourceId: source, firstName: 'Quick' }, ADMIN)).lead.id);
    });
    // The round's statement (which commits) and the flush barrier's: no COMMIT of its own.
    expect(firstWords(sent)).toEqual(['with', 'insert']);
    expect(sent[1]?.text).toMatch(/flush_marks/);
    const [offer] = await store.leads.offersOfLead(leadId);
    const rows = await outbox(store, leadId);
    expect(rows.map((r) => [r.offer_id, r.user_id, r.channel])).toEqual([[offer?.id, agent, 'sms'], [offer?.id, agent, 'email']]);
    for (const r of rows) expect(r.body).toContain(ACTION_LINK_SLOT);
    expect(rows[0]?.body).toContain('Quick');
  });

  it('with a webhook that wants the round\'s events, is written as before: the round, then its deliveries and messages, then the COMMIT', async () => {
    const { store, services, source, agent } = await build();
    await services.webhooks.create({ url: 'http://127.0.0.1:9/hook', eventTypes: ['OFFERED'] });
    let leadId = 0;
    const sent = await statementsOf(async () => {
      leadId = Number((await services.routing.submitLead({ sourceId: source, firstName: 'Hooked' }, ADMIN)).lead.id);
    });
    // The round's statement; the deliveries of its events, which name them; the messages, carrying the
    // COMMIT (commit-batch.ts sendWithCommit); then the flush barrier.
    const at = (pattern: RegExp) => sent.findIndex((s) => pattern.test(s.text));
    const order = [at(/^WITH w_/), at(/^insert into "webhook_deliveries"/), at(/INSERT INTO notifications/), at(/flush_marks/)];
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > (order[k - 1] ?? 0)))).toBe(true);
    expect(sent[order[0] ?? -1]?.text).not.toMatch(/\bcommit\b/i);
    expect(sent[order[2] ?? -1]?.text).toMatch(/;\s*commit\s*$/i);
    const [offer] = await store.leads.offersOfLead(leadId);
    expect((await outbox(store, leadId)).map((r) => [r.offer_id, r.user_id, r.channel])).toEqual([[offer?.id, agent, 'sms'], [offer?.id, agent, 'email']]);
    const deliveries = await store.pool.query<{ event_type: string }>(
      'SELECT event_type FROM webhook_deliveries WHERE lead_id = $1 ORDER BY id', [leadId]);
    expect(deliveries.rows.map((r) => r.event_type)).toEqual(['OFFERED']);
  });

  it('on an instance not alone on its database, is one round trip too, checked under the source row\'s lock', async () => {
    const { store, services, source, agent } = await build(false);
    let leadId = 0;
    const sent = await statementsOf(async () => {
      leadId = Number((await services.routing.submitLead({ sourceId: source, firstName: 'Shared' }, ADMIN)).lead.id);
    });
    expect(firstWords(sent)).toEqual(['with', 'insert']);
    expect(sent[0]?.text).toMatch(/^WITH w_lock/);
    expect(sent[1]?.text).toMatch(/flush_marks/);
    const [offer] = await store.leads.offersOfLead(leadId);
    expect((await outbox(store, leadId)).map((r) => [r.offer_id, r.user_id, r.channel])).toEqual([[offer?.id, agent, 'sms'], [offer?.id, agent, 'email']]);
  });

  it('another instance moved the rotation on: the round goes as the alternative planned from there, in its one round trip', async () => {
    const { store, services, source, agent, second, third } = await threeAgents();
    // Another instance's round: the rotation's anchor moves to the third agent behind this one's back.
    // This instance plans from the second (its own last round), towards the third, and sends with it
    // the same round from the third (towards the first agent) and from the first (towards the second).
    await store.pool.query('UPDATE lead_sources SET rr_last_agent_id = $1 WHERE id = $2', [third, source]);
    let leadId = 0;
    const sent = await statementsOf(async () => {
      leadId = Number((await services.routing.submitLead({ sourceId: source, firstName: 'Moved' }, ADMIN)).lead.id);
    });
    expect(firstWords(sent)).toEqual(['with', 'insert']);
    const offers = await store.leads.offersOfLead(leadId);
    expect(offers.map((o) => o.agentId)).toEqual([agent]);
    expect(await store.leads.readRotation(source)).toEqual({ anchor: agent, credits: null });
    // The messages written are the offered agent's only (the second and third were drafted too).
    expect((await outbox(store, leadId)).map((r) => [r.offer_id, r.user_id, r.channel])).toEqual([[offers[0]?.id, agent, 'sms'], [offers[0]?.id, agent, 'email']]);
    expect(await store.pool.query('SELECT count(*)::int AS n FROM notifications WHERE lead_id = $1 AND user_id = ANY($2)', [leadId, [second, third]]).then((r) => r.rows[0].n)).toBe(0);
    // This process plans its next round from where that one left the rotation: the second agent, in one trip.
    const next = await statementsOf(async () => {
      leadId = Number((await services.routing.submitLead({ sourceId: source, firstName: 'Next' }, ADMIN)).lead.id);
    });
    expect(firstWords(next)).toEqual(['with', 'insert']);
    expect((await store.leads.offersOfLead(leadId)).map((o) => o.agentId)).toEqual([second]);
  });

  it('refused because another instance moved the rotation where no alternative was planned from: rolled back, run again from the rotation the refusal found, without reading it', async () => {
    const { store, services, source, agent } = await threeAgents();
    // Back to no anchor at all (as a new source's): the round and its alternatives were planned from
    // the second, third and first agents.
    await store.pool.query('UPDATE lead_sources SET rr_last_agent_id = NULL WHERE id = $1', [source]);
    let leadId = 0;
    const sent = await statementsOf(async () => {
      leadId = Number((await services.routing.submitLead({ sourceId: source, firstName: 'Moved' }, ADMIN)).lead.id);
    });
    // Refused (LR001: the COMMIT after it skipped), rolled back, then the round planned from where the
    // refusal said the rotation was, committing with its statement: no read of the rotation in between.
    expect(firstWords(sent)).toEqual(['with', 'rollback', 'with', 'insert']);
    // From no anchor, the lowest id heads the list.
    const [offer] = await store.leads.offersOfLead(leadId);
    expect(offer?.agentId).toBe(agent);
    expect(await store.leads.readRotation(source)).toEqual({ anchor: agent, credits: null });
    expect(await store.pool.query('SELECT count(*)::int AS n FROM leads').then((r) => r.rows[0].n)).toBe(3);
  });

  it('orders the other instances\' rotation hints by version: an older one than this process has seen is dropped, a newer one is planned from', async () => {
    const { store, services, source, agent, second, third } = await threeAgents();
    const submit = async (firstName: string) => {
      let leadId = 0;
      const sent = await statementsOf(async () => {
        leadId = Number((await services.routing.submitLead({ sourceId: source, firstName }, ADMIN)).lead.id);
      });
      return { words: firstWords(sent), agentId: (await store.leads.offersOfLead(leadId))[0]?.agentId };
    };
    // A hint older than this process's own last write (it arrived late): dropped. Planned from it, the
    // round would have gone to the second agent and been refused.
    services.routing.rotationHeard(source, { anchor: agent, credits: null, version: '1' });
    expect(await submit('After a stale hint')).toEqual({ words: ['with', 'insert'], agentId: third });
    // Another instance's round, and its hint, newer than anything this process has seen.
    await store.pool.query('UPDATE lead_sources SET rr_last_agent_id = $1 WHERE id = $2', [agent, source]);
    const now = BigInt((await store.pool.query<{ v: string }>(`SELECT (pg_current_wal_insert_lsn() - '0/0')::text AS v`)).rows[0]?.v ?? '0');
    services.routing.rotationHeard(source, { anchor: agent, credits: null, version: String(now + 1n) });
    expect(await submit('After a fresh hint')).toEqual({ words: ['with', 'insert'], agentId: second });
  });
});

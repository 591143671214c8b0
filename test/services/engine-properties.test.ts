// Property-based test of the whole routing engine at service level: random sequences of submits,
// accepts, declines, halts and resumes, availability and activation changes, and clock advances
// (which fire the deadline scheduler), on a fresh in-memory database per run, checking the
// invariants after every step.
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices, type Services } from '../../src/services/services.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { decodeDecisions } from '../../src/store/routing-decisions.js';
import { ManualClock } from '../../src/time/clock.js';

type Action =
  | { kind: 'submit'; source: number; target: number | null }
  | { kind: 'accept' | 'decline'; agent: number; pick: number }
  | { kind: 'halt'; agent: number; minutes: number | null }
  | { kind: 'resume'; agent: number }
  | { kind: 'availability'; agent: number; inOffice: boolean }
  | { kind: 'active'; agent: number; active: boolean }
  | { kind: 'advance'; seconds: number };

const AGENTS = 5;
const SOURCES = 3;
const agentIdx = fc.integer({ min: 0, max: AGENTS - 1 });

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('submit' as const), source: fc.integer({ min: 0, max: SOURCES - 1 }), target: fc.option(agentIdx, { freq: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), agent: agentIdx, pick: fc.nat(5) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('decline' as const), agent: agentIdx, pick: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('halt' as const), agent: agentIdx, minutes: fc.option(fc.integer({ min: 1, max: 5 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resume' as const), agent: agentIdx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('availability' as const), agent: agentIdx, inOffice: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('active' as const), agent: agentIdx, active: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 150 }) }) },
);

interface World {
  clock: ManualClock;
  database: SqliteStore;
  services: Services;
  agents: number[];
  sources: number[];
}

const silent = pino({ level: 'silent' });
let open: World | null = null;
afterEach(async () => {
  await open?.services.deadlines.stop();
  await open?.database.close();
  open = null;
});

async function buildWorld(): Promise<World> {
  const clock = new ManualClock();
  const database = openSqliteStore(':memory:');
  const config = loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' });
  const services = await createServices({ store: database, clock, bus: createInProcessEventBus(), config, logger: silent });
  await services.deadlines.start();
  const north = (await services.users.createOffice('North')).id;
  const south = (await services.users.createOffice('South')).id;
  const agents: number[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const user = await services.users.createUser({ name: `Agent ${i}`, email: `a${i}@example.com`, role: 'AGENT', officeIds: i % 3 === 0 ? [north, south] : i % 2 ? [north] : [south] });
    agents.push(user.id);
  }
  const group = (await services.org.createLeadGroup({ name: 'Luxury', memberIds: [agents[1] ?? 0, agents[2] ?? 0, agents[3] ?? 0] })).id;
  const sources = [
    await services.sources.createLeadSource({ name: 'Everyone', raceAgentCount: 2, acceptanceWindowSeconds: 60, directToUserAutoAccept: false, directToUserWindowSeconds: 30 }),
    await services.sources.createLeadSource({ name: 'North only', raceAgentCount: 1, acceptanceWindowSeconds: 90, officeIds: [north], directToUserAutoAccept: true }),
    await services.sources.createLeadSource({ name: 'Luxury', raceAgentCount: 3, acceptanceWindowSeconds: 45, leadGroupId: group, allowDirectToUser: false }),
  ].map((s) => s.id);
  open = { clock, database, services, agents, sources };
  return open;
}

const at = (xs: readonly number[], i: number): number => {
  const v = xs[i % xs.length];
  if (v === undefined) throw new Error('empty list');
  return v;
};

/** Runs one action; refusals the rules allow (an offer closed meanwhile, a halt in the past) are fine. */
async function step(w: World, a: Action): Promise<void> {
  const { services, clock } = w;
  try {
    switch (a.kind) {
      case 'submit':
        await services.routing.submitLead({ sourceId: at(w.sources, a.source), targetUserId: a.target === null ? null : at(w.agents, a.target), firstName: 'Lead' },
          { id: 1, role: 'ADMIN' });
        return;
      case 'accept':
      case 'decline': {
        const agentId = at(w.agents, a.agent);
        const pending = w.database.sqlite.prepare("SELECT id FROM offers WHERE agent_id = ? AND state = 'PENDING' AND expires_at > ? ORDER BY id")
          .all(agentId, clock.now()) as { id: number }[];
        if (pending.length === 0) return;
        const offer = at(pending.map((o) => o.id), a.pick);
        if (a.kind === 'accept') await services.routing.acceptOffer(offer, { id: agentId, role: 'AGENT' });
        else await services.routing.declineOffer(offer, { id: agentId, role: 'AGENT' });
        return;
      }
      case 'halt':
        await services.org.haltUser(at(w.agents, a.agent), { until: a.minutes === null ? null : new Date(clock.now() + a.minutes * 60_000) });
        return;
      case 'resume':
        await services.org.resumeUser(at(w.agents, a.agent));
        return;
      case 'availability':
        await services.org.setAvailability(at(w.agents, a.agent), a.inOffice);
        return;
      case 'active':
        await services.users.updateUser(at(w.agents, a.agent), { active: a.active });
        return;
      case 'advance':
        await clock.advance(a.seconds * 1000);
        return;
    }
  } catch (err) {
    if (err instanceof DomainError) return;
    throw err;
  }
}

interface OfferRow { id: number; lead_id: number; agent_id: number; round: number; state: string; direct: number; offered_at: number }
interface LeadRowRaw { id: number; state: string; owner_id: number | null; kind: string; source_id: number; target_user_id: number | null }

/** A source's office and lead-group restrictions, from the tables. */
function sourceRules(w: World, sourceId: number): { officeIds: number[]; leadGroupMemberIds: Set<number> | null } {
  const db = w.database.sqlite;
  const officeIds = (db.prepare('SELECT office_id AS id FROM lead_source_offices WHERE source_id = ?').all(sourceId) as { id: number }[]).map((r) => r.id);
  const row = db.prepare('SELECT lead_group_id AS groupId FROM lead_sources WHERE id = ?').get(sourceId) as { groupId: number | null } | undefined;
  if (!row) throw new Error(`source ${sourceId} missing`);
  const members = row.groupId === null ? null
    : new Set((db.prepare('SELECT user_id AS id FROM lead_group_members WHERE group_id = ?').all(row.groupId) as { id: number }[]).map((r) => r.id));
  return { officeIds, leadGroupMemberIds: members };
}

/** The invariants, read straight from the database. `seen` is the highest offer id already checked. */
function checkInvariants(w: World, seen: number, history: string): number {
  const db = w.database.sqlite;
  const leads = db.prepare('SELECT id, state, owner_id, kind, source_id, target_user_id FROM leads').all() as LeadRowRaw[];
  const offers = db.prepare('SELECT id, lead_id, agent_id, round, state, direct, offered_at FROM offers ORDER BY id').all() as OfferRow[];
  const ofLead = new Map<number, OfferRow[]>();
  for (const o of offers) ofLead.set(o.lead_id, [...(ofLead.get(o.lead_id) ?? []), o]);

  for (const lead of leads) {
    const mine = ofLead.get(lead.id) ?? [];
    const accepted = mine.filter((o) => o.state === 'ACCEPTED');
    const pending = mine.filter((o) => o.state === 'PENDING');
    const where = `lead ${lead.id} after ${history}`;
    expect(accepted.length, `at most one ACCEPTED offer: ${where}`).toBeLessThanOrEqual(1);
    expect(['ASSIGNED', 'UNASSIGNED', 'ROUTING'], where).toContain(lead.state);
    if (lead.state === 'ASSIGNED') {
      expect(lead.owner_id, `an assigned lead has an owner: ${where}`).not.toBeNull();
      expect(pending, `an assigned lead has no pending offer: ${where}`).toEqual([]);
      if (accepted[0]) expect(lead.owner_id, `the owner is the agent who accepted: ${where}`).toBe(accepted[0].agent_id);
    } else {
      expect(accepted, `only an assigned lead has an accepted offer: ${where}`).toEqual([]);
      expect(lead.owner_id, where).toBeNull();
    }
    if (lead.state === 'ROUTING') expect(pending.length, `a routing lead has a live offer: ${where}`).toBeGreaterThan(0);
    if (lead.state === 'UNASSIGNED') expect(pending, where).toEqual([]);
    const agentsOffered = mine.map((o) => o.agent_id);
    expect(new Set(agentsOffered).size, `no agent is offered a lead twice: ${where}`).toBe(agentsOffered.length);
  }

  // Offers made since the last check: each to an agent eligible when it was made. Read with SQL, not
  // the store, so that this test checks the engine against the data rather than against itself.
  const roster = new Map((db.prepare(`SELECT id, active, in_office AS inOffice, halted_at AS haltedAt, halt_until AS haltUntil,
      (SELECT group_concat(office_id) FROM user_offices WHERE user_id = users.id) AS offices FROM users`).all() as
      { id: number; active: number; inOffice: number; haltedAt: number | null; haltUntil: number | null; offices: string | null }[])
    .map((a) => [a.id, { ...a, officeIds: a.offices ? a.offices.split(',').map(Number) : [] }]));
  const leadById = new Map(leads.map((l) => [l.id, l]));
  for (const offer of offers.filter((o) => o.id > seen)) {
    const agent = roster.get(offer.agent_id);
    const lead = leadById.get(offer.lead_id);
    if (!agent || !lead) throw new Error(`offer ${offer.id} without agent or lead`);
    const where = `offer ${offer.id} (lead ${lead.id}, agent ${agent.id}) after ${history}`;
    expect(agent.active, `offered to an active agent: ${where}`).toBe(1);
    if (offer.direct) {
      expect(offer.agent_id, `a direct offer goes to the lead's target: ${where}`).toBe(lead.target_user_id);
      continue;
    }
    const source = sourceRules(w, lead.source_id);
    const halted = agent.haltedAt !== null && (agent.haltUntil === null || agent.haltUntil > offer.offered_at);
    expect(halted, `not offered while halted: ${where}`).toBe(false);
    expect(agent.inOffice, `not offered while out of office: ${where}`).toBe(1);
    if (source.officeIds.length > 0) expect(agent.officeIds.some((o) => source.officeIds.includes(o)), `in the source's offices: ${where}`).toBe(true);
    if (source.leadGroupMemberIds) expect(source.leadGroupMemberIds.has(agent.id), `in the source's lead group: ${where}`).toBe(true);
    const round = db.prepare('SELECT decisions FROM routing_rounds WHERE lead_id = ? AND round = ?').get(lead.id, offer.round) as { decisions: string } | undefined;
    const decisions = decodeDecisions(round?.decisions ?? '');
    expect(decisions.find(([id]) => id === agent.id)?.[1], `the round written records the offer: ${where}`).toBe('OFFERED');
  }
  return offers.at(-1)?.id ?? seen;
}

describe('routing engine (properties)', () => {
  it('any sequence of submits, answers, halts, availability changes and clock advances keeps the invariants', async () => {
    await fc.assert(fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 30 }), async (actions) => {
      await open?.services.deadlines.stop();
      await open?.database.close();
      const w = await buildWorld();
      let seen = 0;
      const history: string[] = [];
      for (const action of actions) {
        await step(w, action);
        history.push(JSON.stringify(action));
        seen = checkInvariants(w, seen, `[${history.join(', ')}]`);
      }
      // After every window has closed, nothing is left routing without a live offer or stuck.
      await w.clock.advance(10 * 60_000);
      checkInvariants(w, seen, 'the final advance');
      await w.services.deadlines.stop();
      await w.database.close();
      open = null;
    }), { numRuns: 100 });
  });
});

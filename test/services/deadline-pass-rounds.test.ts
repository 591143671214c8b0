// A deadline pass whose expiries end several leads' rounds starts each lead's next round: planned lead by
// lead, written together (routing-service.ts writeNextRounds; LeadStore.writeRounds). On PostgreSQL that
// is one statement for all of them, after one that expires and locks (expireDueOffersLocking): a pass used
// to wait for a round trip per lead, each answered a turn of a busy event loop later. On both stores: who is offered each lead next, the events in order, the rounds
// logged, what the agents hear (the leads as the pass left them, not read back), and a lead that nobody
// is left for going UNASSIGNED in the same pass.
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { channels, createInProcessEventBus } from '../../src/events/event-bus.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices } from '../../src/services/services.js';
import type { OfferChange } from '../../src/events/routing-events.js';
import { ManualClock } from '../../src/time/clock.js';
import { statementsOf } from '../support/pg-statements.js';
import { describeEachStore } from '../support/stores.js';

const ADMIN = { id: 1, role: 'ADMIN' as const };

describeEachStore('a deadline pass ending several leads\' rounds', (open, kind) => {
  it('starts every lead\'s next round in the pass (one statement on PostgreSQL), and leaves a lead nobody is left for UNASSIGNED', async () => {
    const store = await open();
    const clock = new ManualClock();
    const bus = createInProcessEventBus();
    const config = loadConfig({ DATABASE_URL: kind === 'sqlite' ? ':memory:' : 'postgres://unused', LOG_LEVEL: 'silent' });
    // The scheduler is not started: the pass below is run by hand.
    const services = await createServices({ store, clock, bus, config, logger: pino({ level: 'silent' }) });
    try {
      const office = (await services.users.createOffice('North')).id;
      const agents: number[] = [];
      for (const name of ['Ann', 'Bo']) {
        agents.push((await services.users.createUser({ name, email: `${name.toLowerCase()}@example.com`, role: 'AGENT', officeIds: [office] })).id);
      }
      const [ann, bo] = agents as [number, number];
      const source = (await services.sources.createLeadSource({ name: 'Portal', raceAgentCount: 1, acceptanceWindowSeconds: 60 })).id;
      // Three leads in turn: Ann, Bo, Ann.
      const leads: number[] = [];
      for (const firstName of ['L1', 'L2', 'L3']) leads.push((await services.routing.submitLead({ sourceId: source, firstName }, ADMIN)).lead.id);
      const firstOffers = await Promise.all(leads.map((id) => services.stores.leads.offersOfLead(id)));
      expect(firstOffers.map((o) => o.map((x) => x.agentId))).toEqual([[ann], [bo], [ann]]);
      const heard: OfferChange[] = [];
      const listening = agents.map(async (id) => {
        for await (const e of bus.subscribe<OfferChange>(channels.offers(id))) heard.push(e);
      });
      const pass = () => services.routing.processDueDeadlines();
      // The first pass of a process also claims the contact deadlines that fell due while it was down.
      expect((await pass()).processed).toBe(0);
      await clock.advance(60_000);
      let processed = 0;
      const sent = await statementsOf(async () => { processed = (await pass()).processed; });
      expect(processed).toBe(3);
      // Each lead's next round goes to the agent not offered it yet.
      const nextOffers = await Promise.all(leads.map(async (id) => (await services.stores.leads.offersOfLead(id)).filter((o) => o.round === 2)));
      expect(nextOffers.map((o) => o.map((x) => [x.agentId, x.state]))).toEqual([[[bo, 'PENDING']], [[ann, 'PENDING']], [[bo, 'PENDING']]]);
      for (const id of leads) {
        expect((await services.stores.leads.eventsOfLead(id)).map((e) => e.type)).toEqual(['CREATED', 'OFFERED', 'EXPIRED', 'OFFERED']);
        expect((await services.stores.leads.routingRounds(id)).map((r) => r.round)).toEqual([1, 2]);
        expect(await services.stores.leads.findLead(id)).toMatchObject({ state: 'ROUTING', round: 2 });
      }
      if (kind === 'postgres') {
        // Three round trips: the expiry with the lock of its leads; the three rounds' one statement (no
        // writeRound each); the COMMIT, with the streaks. No read of the leads for the announcement: the
        // pass locked and wrote each (ChangeSet.settled). (The settings row is read here because the
        // agents were just created; a running server has it cached.)
        const what = (text: string) => (/^(begin;\s*)?WITH e AS \(UPDATE offers[\s\S]*;\s*SELECT[\s\S]*FOR UPDATE OF l$/.test(text) ? 'expire and lock'
          : /^WITH w_lead AS \(UPDATE/.test(text) ? 'rounds' : /;\s*commit$/i.test(text) ? 'commit' : text.slice(0, 60));
        expect(sent.filter((s) => !/ from "settings"/.test(s.text)).map((s) => what(s.text.trim()))).toEqual(['expire and lock', 'rounds', 'commit']);
      }
      // What the agents hear after the commit: each the EXPIRED of their offer and the RECEIVED of the next.
      await new Promise((resolve) => setImmediate(resolve));
      const told = (type: string) => heard.filter((e) => e.type === type).map((e) => [e.offer.agentId, e.offer.leadId]).sort((x, y) => (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0));
      expect(told('EXPIRED')).toEqual([[ann, leads[0]], [ann, leads[2]], [bo, leads[1]]]);
      expect(told('RECEIVED')).toEqual([[ann, leads[1]], [bo, leads[0]], [bo, leads[2]]]);
      // Each with its lead as the pass left it: in its second round, still routing.
      expect(heard.map((e) => [e.lead.round, e.lead.state])).toEqual(heard.map(() => [2, 'ROUTING']));
      expect(heard.map((e) => e.lead)).toEqual(await Promise.all(heard.map((e) => services.stores.leads.findLead(e.lead.id))));

      // Round two runs out too: both agents have been offered every lead, so all three go UNASSIGNED in one pass.
      await clock.advance(60_000);
      expect((await pass()).processed).toBe(3);
      for (const id of leads) {
        expect(await services.stores.leads.findLead(id)).toMatchObject({ state: 'UNASSIGNED', round: 3 });
        expect((await services.stores.leads.eventsOfLead(id)).map((e) => e.type).slice(-2)).toEqual(['EXPIRED', 'UNASSIGNED']);
      }
      void listening;
    } finally {
      await services.deadlines.stop();
    }
  });
});

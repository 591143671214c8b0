// The lead store's contract (src/store/port.ts LeadStore), on both stores: the race, deadlines, the
// source's rotation, and the reads routing makes. The concurrency promises are what several instances
// on one PostgreSQL database rely on: each "instance" here is a transaction of its own on the pool.
import { describe, expect, it } from 'vitest';
import type { Rotation, Store, StoreTx, WrittenRound } from '../../../src/store/port.js';
import type { LeadRow, OfferRow } from '../../../src/store/rows.js';
import { rawFixture as fixture, rawSql as exec } from '../../support/port-suite.js';
import { describeEachStore } from '../../support/stores.js';

const T0 = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** A ROUTING lead with one PENDING offer per agent, closing at `closesAt`. */
/** How many leads, routing rounds, offers and lead events the database holds (l, r, o, e). */
const ROUTING_ROWS = 'SELECT (SELECT count(*) FROM leads) AS l, (SELECT count(*) FROM routing_rounds) AS r, (SELECT count(*) FROM offers) AS o, (SELECT count(*) FROM lead_events) AS e';

async function leadWithOffers(store: Store, sourceId: number, agentIds: number[], closesAt = at(60)) {
  return store.transaction(async (tx) => {
    const lead = await tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Lead', createdAt: T0 });
    const offers = await tx.leads.insertOffers(agentIds.map((agentId) => ({
      leadId: lead.id, agentId, round: 1, state: 'PENDING' as const, offeredAt: T0, expiresAt: closesAt,
    })));
    return { lead, offers };
  });
}

/** The accept as routing-service runs it: claim, then take the others, then assign the lead. */
async function accept(tx: StoreTx, offer: OfferRow, now: Date): Promise<OfferRow | null> {
  const won = await tx.leads.claimOffer(offer.id, offer.agentId, now);
  if (!won) return null;
  await tx.leads.takeOtherOffers(won.leadId, now);
  await tx.leads.updateLead(won.leadId, { state: 'ASSIGNED', ownerId: won.agentId, assignedAt: now });
  return won;
}

describeEachStore('LeadStore', (open, kind) => {
  describe('the race', () => {
    it('of simultaneous accepts of one lead, each in its own transaction, exactly one wins and the others get no row', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 10);
      const { lead, offers } = await leadWithOffers(store, sourceId, agentIds);
      const results = await Promise.allSettled(offers.map((o) => store.transaction((tx) => accept(tx, o, at(1)))));
      // No deadlock, no unique violation: every transaction ends normally.
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const winners = results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
      expect(winners).toHaveLength(1);
      const after = await store.leads.offersOfLead(lead.id);
      expect(after.filter((o) => o.state === 'ACCEPTED').map((o) => o.id)).toEqual([winners[0]?.id]);
      expect(after.filter((o) => o.state === 'TAKEN')).toHaveLength(9);
      expect((await store.leads.findLead(lead.id))?.ownerId).toBe(winners[0]?.agentId);
    });

    it('many leads raced at once: one winner each, no transaction fails', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 6);
      const made = [];
      for (let i = 0; i < 8; i++) made.push(await leadWithOffers(store, sourceId, agentIds));
      const all = made.flatMap((m) => m.offers).sort(() => Math.random() - 0.5);
      const results = await Promise.allSettled(all.map((o) => store.transaction((tx) => accept(tx, o, at(1)))));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const rows = await exec(store, "SELECT lead_id, count(*) AS n FROM offers WHERE state = 'ACCEPTED' GROUP BY lead_id");
      expect(rows).toHaveLength(8);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    });

    it('a claim after the window has closed, or of another agent\'s offer, or a second time, gets no row', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 2);
      const { offers } = await leadWithOffers(store, sourceId, agentIds, at(10));
      const [a, b] = offers as [OfferRow, OfferRow];
      expect(await store.transaction((tx) => tx.leads.claimOffer(a.id, a.agentId, at(10)))).toBeNull();
      expect(await store.transaction((tx) => tx.leads.claimOffer(a.id, b.agentId, at(5)))).toBeNull();
      expect(await store.transaction((tx) => tx.leads.claimOffer(a.id, a.agentId, at(5)))).toMatchObject({ state: 'ACCEPTED', respondedAt: at(5) });
      expect(await store.transaction((tx) => tx.leads.claimOffer(a.id, a.agentId, at(6)))).toBeNull();
      expect(await store.transaction((tx) => tx.leads.declineOffer(b.id, b.agentId, at(11)))).toBeNull();
      expect(await store.transaction((tx) => tx.leads.declineOffer(b.id, b.agentId, at(6)))).toMatchObject({ state: 'DECLINED' });
    });

    it('the database refuses a second ACCEPTED offer of a lead whatever writes it (the partial unique index)', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 2);
      const { lead } = await leadWithOffers(store, sourceId, agentIds);
      await exec(store, "UPDATE offers SET state = 'ACCEPTED' WHERE lead_id = ? AND agent_id = ?", [lead.id, agentIds[0]]);
      await expect(exec(store, "UPDATE offers SET state = 'ACCEPTED' WHERE lead_id = ? AND agent_id = ?", [lead.id, agentIds[1]]))
        .rejects.toThrow(/unique/i);
    });
  });

  describe('deadlines', () => {
    it('expireDueOffers takes only offers whose window closed, oldest first, at most `limit`, once', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 1);
      const early = await leadWithOffers(store, sourceId, agentIds, at(10));
      const late = await leadWithOffers(store, sourceId, agentIds, at(20));
      const future = await leadWithOffers(store, sourceId, agentIds, at(100));
      expect(await store.leads.earliestPendingDeadline()).toBe(at(10).getTime());
      expect(await store.leads.earliestDeadlines()).toEqual({ offer: at(10).getTime(), contact: null });
      const first = await store.transaction((tx) => tx.leads.expireDueOffers(at(30), 1));
      expect(first.map((o) => o.id)).toEqual([early.offers[0]?.id]);
      expect(first[0]).toMatchObject({ state: 'EXPIRED', respondedAt: at(30) });
      const second = await store.transaction((tx) => tx.leads.expireDueOffers(at(30), 10));
      expect(second.map((o) => o.id)).toEqual([late.offers[0]?.id]);
      expect(await store.transaction((tx) => tx.leads.expireDueOffers(at(30), 10))).toEqual([]);
      expect(await store.leads.earliestPendingDeadline()).toBe(at(100).getTime());
      // A millisecond after a whole second: read to the millisecond, as the Date is.
      await store.transaction((tx) => tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ASSIGNED', ownerId: agentIds[0] ?? 0, firstName: 'C', contactDueAt: new Date(at(50).getTime() + 1) }));
      expect(await store.leads.earliestDeadlines()).toEqual({ offer: at(100).getTime(), contact: at(50).getTime() + 1 });
      expect((await store.leads.lockLeadsWithPending([future.lead.id])).map((r) => r.pending)).toEqual([1]);
    });

    it('leads locked with their pending offers and who was offered them: in id order, each once, the missing ones left out', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const a = await leadWithOffers(store, sourceId, agentIds, at(10));
      const b = await leadWithOffers(store, sourceId, agentIds.slice(0, 1), at(20));
      await store.transaction((tx) => tx.leads.expireDueOffers(at(30), 1));
      const rows = await store.transaction((tx) => tx.leads.lockLeadsWithPending([b.lead.id, a.lead.id + b.lead.id + 100, a.lead.id, b.lead.id]));
      expect(rows.map((r) => [r.lead.id, r.pending])).toEqual([[a.lead.id, agentIds.length - 1], [b.lead.id, 1]]);
      // Every agent offered each lead, the expired offer's too: what offeredAgentIds reads.
      expect(rows.map((r) => [...r.offered].sort((x, y) => x - y))).toEqual([[...agentIds].sort((x, y) => x - y), agentIds.slice(0, 1)]);
      expect(rows[0]?.offered).toEqual(await store.leads.offeredAgentIds(a.lead.id));
      expect(rows[0]?.lead).toEqual(await store.leads.findLead(a.lead.id));
      expect(await store.transaction((tx) => tx.leads.lockLeadsWithPending([]))).toEqual([]);
    });

    it('expireDueOffersLocking expires as expireDueOffers does, then locks those leads as lockLeadsWithPending does, after the expiry', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2] = agentIds as [number, number, number];
      const a = await leadWithOffers(store, sourceId, agentIds, at(10));
      const b = await leadWithOffers(store, sourceId, [a1], at(5));
      const later = await leadWithOffers(store, sourceId, [a2], at(50));
      await exec(store, `INSERT INTO lead_users (lead_id, user_id) VALUES (${b.lead.id}, ${a2}), (${b.lead.id}, ${a1})`);
      // b's offer (due first) and two of a's three are taken: the limit leaves a's third for the next pass.
      const { expired, locked } = await store.transaction((tx) => tx.leads.expireDueOffersLocking(at(30), 3));
      expect(expired.map((o) => [o.leadId, o.state, o.respondedAt]).sort()).toEqual([
        [a.lead.id, 'EXPIRED', at(30)], [a.lead.id, 'EXPIRED', at(30)], [b.lead.id, 'EXPIRED', at(30)],
      ].sort());
      expect(expired).toEqual(expect.arrayContaining(await store.leads.offersOfLead(b.lead.id)));
      // Pending counts after the expiry; every agent ever offered each lead; its users, ascending.
      expect(locked.map((l) => [l.lead.id, l.pending, [...l.offered].sort((x, y) => x - y), l.userIds])).toEqual([
        [a.lead.id, 1, [...agentIds].sort((x, y) => x - y), []],
        [b.lead.id, 0, [a1], [a1, a2].sort((x, y) => x - y)],
      ]);
      expect(locked[0]?.lead).toEqual(await store.leads.findLead(a.lead.id));
      expect((await store.leads.offersOfLead(later.lead.id)).map((o) => o.state)).toEqual(['PENDING']);
      // Nothing due: nothing expired, nothing locked.
      await store.transaction((tx) => tx.leads.expireDueOffersLocking(at(30), 50));
      expect(await store.transaction((tx) => tx.leads.expireDueOffersLocking(at(30), 50))).toEqual({ expired: [], locked: [] });
    });

    it('two passes at once expiring and locking (two instances) never take the same offer or lead, and together take every due one', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 5);
      for (let i = 0; i < 10; i++) await leadWithOffers(store, sourceId, agentIds, at(10));
      const passes = await Promise.all([0, 1, 2].map(() => store.transaction(async (tx) => {
        const { expired, locked } = await tx.leads.expireDueOffersLocking(at(11), 20);
        await new Promise((r) => setTimeout(r, 30));
        return { offers: expired.map((o) => o.id), leads: locked.map((l) => l.lead.id) };
      })));
      const offerIds = passes.flatMap((p) => p.offers);
      expect(new Set(offerIds).size).toBe(offerIds.length);
      // A pass locks exactly the leads of the offers it expired (SKIP LOCKED: a lead held by another pass is not claimed).
      const leadIds = passes.flatMap((p) => p.leads);
      expect(new Set(leadIds).size).toBe(leadIds.length);
      while ((await store.transaction((tx) => tx.leads.expireDueOffersLocking(at(11), 50))).expired.length > 0);
      const [row] = await exec(store, "SELECT count(*) AS n FROM offers WHERE state = 'EXPIRED'");
      expect(Number(row?.n)).toBe(50);
    });

    it('two passes at once (two instances) never expire the same offer, and together expire every due one', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 5);
      for (let i = 0; i < 10; i++) await leadWithOffers(store, sourceId, agentIds, at(10));
      const passes = await Promise.all([0, 1, 2].map(() => store.transaction(async (tx) => {
        const rows = await tx.leads.expireDueOffers(at(11), 20);
        // Held a moment, as a pass that routes the leads on holds its rows.
        await new Promise((r) => setTimeout(r, 30));
        return rows.map((o) => o.id);
      })));
      const ids = passes.flat();
      expect(new Set(ids).size).toBe(ids.length);
      let rest = 0;
      while ((await store.transaction((tx) => tx.leads.expireDueOffers(at(11), 50))).length > 0) rest++;
      const [row] = await exec(store, "SELECT count(*) AS n FROM offers WHERE state = 'EXPIRED'");
      expect(Number(row?.n)).toBe(50);
      // SQLite runs the passes one after another: the first takes 20, the next 20, the last 10.
      if (kind === 'sqlite') expect(passes.map((p) => p.length)).toEqual([20, 20, 10]);
      expect(rest).toBeLessThanOrEqual(2);
    });

    it('an accept and an expiry of the same offer at once: exactly one of them happens', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 1);
      for (let round = 0; round < 10; round++) {
        const { offers } = await leadWithOffers(store, sourceId, agentIds, at(10));
        const offer = offers[0] as OfferRow;
        // The accept's clock says the window is still open; the expiry's says it has closed.
        const [won, expired] = await Promise.all([
          store.transaction((tx) => accept(tx, offer, at(9.999))),
          store.transaction((tx) => tx.leads.expireDueOffers(at(10), 50)),
        ]);
        const final = await store.leads.findOffer(offer.id);
        if (won) expect(final?.state).toBe('ACCEPTED');
        else expect(final?.state).toBe('EXPIRED');
        expect(Boolean(won) !== expired.some((o) => o.id === offer.id)).toBe(true);
        // Whatever is left pending is picked up by the next pass.
        await store.transaction((tx) => tx.leads.expireDueOffers(at(10), 50));
      }
    });

    it('expireOffersOfAgent closes every PENDING offer of the agent at once, whatever its window', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 2);
      const a = await leadWithOffers(store, sourceId, agentIds, at(600));
      const b = await leadWithOffers(store, sourceId, agentIds, at(900));
      const closed = await store.transaction((tx) => tx.leads.expireOffersOfAgent(agentIds[0] as number, at(1)));
      expect(closed.map((o) => o.leadId).sort()).toEqual([a.lead.id, b.lead.id].sort());
      expect(await store.leads.pendingOffersOfAgent(agentIds[0] as number, at(1))).toEqual([]);
      expect(await store.leads.pendingOffersOfAgent(agentIds[1] as number, at(1))).toHaveLength(2);
    });
  });

  describe('round robin', () => {
    it('readRotation reads the pointer setSourceAnchor moved', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 2);
      expect(await store.transaction((tx) => tx.leads.readRotation(sourceId, true))).toEqual({ anchor: null, credits: null });
      await store.transaction((tx) => tx.leads.setSourceAnchor(sourceId, agentIds[1] as number));
      expect(await store.transaction((tx) => tx.leads.readRotation(sourceId, true))).toEqual({ anchor: agentIds[1], credits: null });
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: agentIds[1], credits: null });
    });

    it('two transactions advancing the rotation under its lock at once take turns: each reads what the other committed', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 20);
      // Each "lead" reads the pointer and moves it to the next agent: lost updates would repeat an agent.
      const advance = () => store.transaction(async (tx) => {
        const { anchor: current } = await tx.leads.readRotation(sourceId, true);
        const next = agentIds[(current === null ? 0 : agentIds.indexOf(current) + 1) % agentIds.length] as number;
        await new Promise((r) => setTimeout(r, 5));
        await tx.leads.setSourceAnchor(sourceId, next);
        return next;
      });
      const heads = await Promise.all(Array.from({ length: 12 }, advance));
      expect(new Set(heads).size).toBe(12);
    });

    it('two leads of one source routed at once take turns on the rotation without a deadlock (each lead\'s foreign key already holds the source)', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 4);
      let runs = 0;
      let inserted = 0;
      // The lead is inserted first (its foreign key locks the source row FOR KEY SHARE on PostgreSQL),
      // then the rotation is read under its row lock and advanced.
      const route = () => store.transaction(async (tx) => {
        runs++;
        await tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Lead', createdAt: T0 });
        inserted++;
        // Both leads in before either reads the rotation, where the store lets two transactions overlap
        // (on SQLite they run one after the other: the first stops waiting after 100 ms).
        for (let i = 0; i < 50 && inserted < 2; i++) await new Promise((r) => setTimeout(r, 2));
        const { anchor: current } = await tx.leads.readRotation(sourceId, true);
        const next = agentIds[(current === null ? 0 : agentIds.indexOf(current) + 1) % agentIds.length] as number;
        await tx.leads.setSourceAnchor(sourceId, next);
        return next;
      });
      const heads = await Promise.all([route(), route()]);
      expect(new Set(heads).size).toBe(2);
      // Neither was rolled back (by a deadlock) and run again.
      expect(runs).toBe(2);
    });

    it('a first round planned from the rotation another round is about to commit waits for that commit and is written, not refused', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2] = agentIds as [number, number];
      const round = (tx: StoreTx, lead: LeadRow, read: Rotation, next: Rotation) => tx.leads.writeRound({
        lead, patch: { round: 1, routingAnchor: 0 }, round: 1, at: T0, decisions: [], offers: [], rotation: { sourceId, read, next }, events: [], leadEvents: [],
      });
      let commit = () => {};
      const committing = new Promise<void>((resolve) => { commit = resolve; });
      let firstWrote = () => {};
      const wrote = new Promise<void>((resolve) => { firstWrote = resolve; });
      // The first round writes and holds its transaction open; the second, planned from what the first
      // wrote (as the routing service's guess is), writes while the first has not committed yet.
      const first = store.transaction(async (tx) => {
        const lead = await tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'A', createdAt: T0 });
        const written = await round(tx, lead, { anchor: null, credits: null }, { anchor: a1, credits: null });
        firstWrote();
        await committing;
        return written;
      });
      await wrote;
      const second = store.transaction(async (tx) => {
        const lead = await tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'B', createdAt: T0 });
        return round(tx, lead, { anchor: a1, credits: null }, { anchor: a2, credits: '{"n":2}' });
      });
      await new Promise((r) => setTimeout(r, 100));
      commit();
      expect('moved' in await first).toBe(false);
      expect('moved' in await second).toBe(false);
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a2, credits: '{"n":2}' });
    });

    it.each([
      ['inserted first', false],
      ['inserted with the round', true],
    ])('first rounds planned from one read of the rotation at once (leads %s): writeRound lets one through and refuses the others with the rotation as it is, locked; planned again from it, none is refused twice; every agent heads once, every credit counts', async (_how, withRound) => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 12);
      let refused = 0;
      let runs = 0;
      let started = 0;
      const stale = await store.leads.readRotation(sourceId);
      // As routing-service does it: plan from a guess (here the same stale read for all) and write with
      // the compare-and-set; refused, plan again from the rotation the refusal gives, and write again.
      const route = () => store.transaction(async (tx) => {
        runs++;
        const newLead = { sourceId, kind: 'GENERAL' as const, state: 'ROUTING' as const, firstName: 'Lead', createdAt: T0 };
        const lead = withRound ? { insert: newLead } : await tx.leads.insertLead(newLead);
        started++;
        for (let i = 0; i < 50 && started < 12; i++) await new Promise((r) => setTimeout(r, 2));
        let read = stale;
        for (let attempt = 1; attempt <= 2; attempt++) {
          const head = agentIds[(read.anchor === null ? 0 : agentIds.indexOf(read.anchor) + 1) % agentIds.length] as number;
          const count = (JSON.parse(read.credits ?? '{}') as Record<string, number>)['n'] ?? 0;
          const written = await tx.leads.writeRound({
            lead, patch: { round: 1, routingAnchor: head }, round: 1, at: T0, decisions: [[head, 'OFFERED']],
            offers: [{ agentId: head, round: 1, state: 'PENDING', offeredAt: T0, expiresAt: at(60) }],
            rotation: { sourceId, read, next: { anchor: head, credits: JSON.stringify({ n: count + 1 }) } },
            events: [], leadEvents: [{ type: 'CREATED', at: T0 }],
          });
          if (!('moved' in written)) return head;
          refused++;
          read = written.moved;
        }
        throw new Error('refused twice');
      });
      const heads = await Promise.all(Array.from({ length: 12 }, route));
      expect(new Set(heads).size).toBe(12);
      expect(runs).toBe(12);
      expect((await store.leads.readRotation(sourceId)).credits).toBe('{"n":12}');
      // All planned from the same read: only the first to write got through with it (on SQLite, where
      // the transactions run one after another, the first of all).
      expect(refused).toBe(11);
      // A refused write wrote nothing (a new lead neither): one lead, one round, one offer and two events per route.
      const counts = await exec(store, ROUTING_ROWS);
      expect(counts.map((c) => [Number(c.l), Number(c.r), Number(c.o), Number(c.e)])).toEqual([[12, 12, 12, 24]]);
    });
  });

  describe('routing rules', () => {
    it('generalWinsSince gives the GENERAL leads (accepted, not direct) the agents won from a time on', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a, b, c] = agentIds as [number, number, number];
      const offer = (agentId: number, state: 'ACCEPTED' | 'DECLINED', respondedAt: Date, direct = false) => store.transaction(async (tx) => {
        const lead = await tx.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ASSIGNED', firstName: 'Lead', createdAt: T0 });
        await tx.leads.insertOffers([{ leadId: lead.id, agentId, round: 1, direct, state, offeredAt: T0, expiresAt: at(900), respondedAt }]);
      });
      await offer(a, 'ACCEPTED', at(10));
      await offer(a, 'ACCEPTED', at(-10));
      await offer(a, 'ACCEPTED', at(20), true);
      await offer(b, 'DECLINED', at(30));
      await offer(b, 'ACCEPTED', at(40));
      await offer(c, 'ACCEPTED', at(50));
      const wins = await store.transaction((tx) => tx.leads.generalWinsSince([a, b], T0));
      expect(wins.sort((x, y) => x.at - y.at)).toEqual([{ agentId: a, at: at(10).getTime() }, { agentId: b, at: at(40).getTime() }]);
      expect(await store.leads.generalWinsSince([], T0)).toEqual([]);
    });
  });

  describe('reads', () => {
    it('offeredAgentIds, relationOf, routing rounds, events and stalled leads', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2, a3] = agentIds as [number, number, number];
      const { lead } = await leadWithOffers(store, sourceId, [a1, a2]);
      await store.transaction(async (tx) => {
        await tx.leads.insertRoutingRound(lead.id, 1, T0, [[a1, 'OFFERED'], [a2, 'OFFERED'], [a3, 'HALTED']]);
        await tx.leads.insertEvents([{ leadId: lead.id, type: 'CREATED', at: T0 }, { leadId: lead.id, type: 'OFFERED', at: T0, agentId: a1 }]);
      });
      expect([...await store.leads.offeredAgentIds(lead.id)].sort()).toEqual([a1, a2].sort());
      expect(await store.leads.relationOf(lead.id, a1)).toEqual({ isUser: false, wasOffered: true });
      expect(await store.leads.relationOf(lead.id, a3)).toEqual({ isUser: false, wasOffered: false });
      expect(await store.leads.routingRounds(lead.id)).toEqual([{ round: 1, at: T0, decisions: [[a1, 'OFFERED'], [a2, 'OFFERED'], [a3, 'HALTED']] }]);
      expect(await store.leads.routingRounds(lead.id, 'LAST')).toHaveLength(1);
      expect(await store.leads.routingRounds(lead.id, 2)).toEqual([]);
      expect(await store.leads.routingRoundDecisions(lead.id, 1)).toEqual(expect.any(String));
      expect((await store.leads.eventsOfLead(lead.id)).map((e) => e.type)).toEqual(['CREATED', 'OFFERED']);
      expect(await store.leads.stalledRoutingLeads()).toEqual([]);
      await store.transaction((tx) => tx.leads.expireDueOffers(at(61), 10));
      expect((await store.leads.stalledRoutingLeads()).map((l) => l.id)).toEqual([lead.id]);
      expect((await store.leads.findLeads([lead.id, 999_999])).map((l) => l.id)).toEqual([lead.id]);
    });

    it('writeRound writes a round\'s decisions, its offers in order, their events, the lead\'s patch and the source\'s rotation at once', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2, a3] = agentIds as [number, number, number];
      const lead = await store.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Rae' });
      const written = await store.transaction((tx) => tx.leads.writeRound({
        lead, patch: { round: 1, routingAnchor: 0 }, round: 1, at: T0,
        rotation: { sourceId, read: { anchor: null, credits: null }, next: { anchor: a2, credits: '{"2":1}' } },
        decisions: [[a2, 'OFFERED'], [a3, 'OFFERED'], [a1, 'HALTED']],
        offers: [a2, a3].map((agentId) => ({ agentId, round: 1, state: 'PENDING' as const, offeredAt: T0, expiresAt: at(60) })),
        events: [], leadEvents: [{ type: 'CREATED', at: T0, actorId: a1, note: 'by "form" \\ é' }],
      }));
      if ('moved' in written) throw new Error('writeRound refused a rotation it was given as read');
      expect(written.offers.map((o) => [o.agentId, o.state, o.round, o.direct, o.offeredAt, o.expiresAt, o.respondedAt, o.reclaimedAt]))
        .toEqual([[a2, 'PENDING', 1, false, T0, at(60), null, null], [a3, 'PENDING', 1, false, T0, at(60), null, null]]);
      expect(written.offers).toEqual(await store.leads.offersOfLead(lead.id));
      // The events given, then each offer's OFFERED, in that order, as stored.
      expect(written.events.map((e) => [e.type, e.agentId, e.offerId, e.at, e.actorId, e.note])).toEqual([
        ['CREATED', null, null, T0, a1, 'by "form" \\ é'],
        ['OFFERED', a2, written.offers[0]?.id, T0, null, null],
        ['OFFERED', a3, written.offers[1]?.id, T0, null, null],
      ]);
      expect(written.events).toEqual(await store.leads.eventsOfLead(lead.id));
      expect(written.lead).toEqual(await store.leads.findLead(lead.id));
      expect(written.lead).toMatchObject({ round: 1, routingAnchor: 0, state: 'ROUTING' });
      expect(await store.leads.routingRounds(lead.id)).toEqual([{ round: 1, at: T0, decisions: [[a2, 'OFFERED'], [a3, 'OFFERED'], [a1, 'HALTED']] }]);
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a2, credits: '{"2":1}' });

      // Planned from a rotation that has moved since: nothing written, null.
      const other = await store.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Sam' });
      const refused = await store.transaction((tx) => tx.leads.writeRound({
        lead: other, patch: { round: 1, routingAnchor: 0 }, round: 1, at: T0,
        rotation: { sourceId, read: { anchor: null, credits: null }, next: { anchor: a3, credits: null } },
        decisions: [[a3, 'OFFERED']], offers: [{ agentId: a3, round: 1, state: 'PENDING', offeredAt: T0, expiresAt: at(60) }],
        events: [{ leadId: other.id, type: 'CREATED', at: T0 }], leadEvents: [],
      }));
      // The rotation as it is now comes back with the refusal; where the store orders rotation states
      // (PostgreSQL), with its version (Rotation.version).
      expect(refused).toEqual({ moved: expect.objectContaining({ anchor: a2, credits: '{"2":1}' }) });
      const { version } = (refused as { moved: Rotation }).moved;
      if (store.dialect === 'postgres') expect(version).toMatch(/^\d+$/);
      else expect(version).toBeUndefined();
      expect(await store.leads.offersOfLead(other.id)).toEqual([]);
      expect(await store.leads.eventsOfLead(other.id)).toEqual([]);
      expect(await store.leads.routingRounds(other.id)).toEqual([]);
      expect(await store.leads.findLead(other.id)).toEqual(other);
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a2, credits: '{"2":1}' });

      // A later round (no rotation) nobody is left for: no offers, the lead UNASSIGNED, the rotation as it was.
      const second = await store.transaction((tx) => tx.leads.writeRound({
        lead: written.lead, patch: { state: 'UNASSIGNED', round: 2 }, round: 2, at: at(60), rotation: null, decisions: [[a1, 'HALTED']], offers: [],
        events: [{ leadId: lead.id, type: 'UNASSIGNED', at: at(60) }], leadEvents: [],
      }));
      if ('moved' in second) throw new Error('writeRound without a rotation was refused');
      expect(second.offers).toEqual([]);
      expect(second.events.map((e) => e.type)).toEqual(['UNASSIGNED']);
      expect(second.lead).toEqual(await store.leads.findLead(lead.id));
      expect(second.lead).toMatchObject({ state: 'UNASSIGNED', round: 2 });
      expect((await store.leads.routingRounds(lead.id)).map((r) => r.round)).toEqual([1, 2]);
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a2, credits: '{"2":1}' });
    });

    it('writeRounds writes several leads\' next rounds as writeRound writes each: the events given first, then round by round its lead\'s events and OFFERED, in id order', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2, a3] = agentIds as [number, number, number];
      const first = await leadWithOffers(store, sourceId, [a1], at(10));
      const second = await leadWithOffers(store, sourceId, [a2], at(10));
      const [one, two] = [first.lead, second.lead].map((l) => ({ ...l, routingAnchor: a1 })) as [LeadRow, LeadRow];
      await exec(store, `UPDATE leads SET routing_anchor = ${a1}`);
      const written = await store.transaction(async (tx) => {
        const expired = await tx.leads.expireDueOffers(at(30), 10);
        return tx.leads.writeRounds(at(30), expired.map((o) => ({ leadId: o.leadId, type: 'EXPIRED' as const, at: at(30), agentId: o.agentId, offerId: o.id })), [
          { lead: one, patch: { round: 2, routingAnchor: a1 }, round: 2, decisions: [[a2, 'OFFERED'], [a3, 'OFFERED'], [a1, 'ALREADY_OFFERED']],
            offers: [a2, a3].map((agentId) => ({ agentId, round: 2, state: 'PENDING' as const, offeredAt: at(30), expiresAt: at(90) })), leadEvents: [] },
          { lead: two, patch: { state: 'UNASSIGNED', round: 2, routingAnchor: a1 }, round: 2, decisions: [[a2, 'ALREADY_OFFERED']], offers: [],
            leadEvents: [{ type: 'UNASSIGNED', at: at(30), note: 'nobody "left" \\ é' }] },
        ]);
      });
      expect(written).toHaveLength(2);
      const [w1, w2] = written as [WrittenRound, WrittenRound];
      expect(w1.offers.map((o) => [o.leadId, o.agentId, o.round, o.state, o.offeredAt, o.expiresAt])).toEqual([
        [one.id, a2, 2, 'PENDING', at(30), at(90)], [one.id, a3, 2, 'PENDING', at(30), at(90)],
      ]);
      expect(w2.offers).toEqual([]);
      // The transaction's events (both leads' EXPIRED) come back with the first round, before its own.
      expect(w1.events.map((e) => [e.leadId, e.type, e.agentId])).toEqual([
        [one.id, 'EXPIRED', a1], [two.id, 'EXPIRED', a2], [one.id, 'OFFERED', a2], [one.id, 'OFFERED', a3],
      ]);
      expect(w1.events.slice(2).map((e) => e.offerId)).toEqual(w1.offers.map((o) => o.id));
      expect(w2.events.map((e) => [e.leadId, e.type, e.at, e.note])).toEqual([[two.id, 'UNASSIGNED', at(30), 'nobody "left" \\ é']]);
      // Ids in the order written: nothing of the second round before the first's.
      const ids = [...w1.events, ...w2.events].map((e) => e.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(await store.leads.eventsOfLead(one.id)).toEqual([w1.events[0], w1.events[2], w1.events[3]]);
      expect(await store.leads.eventsOfLead(two.id)).toEqual([w1.events[1], ...w2.events]);
      expect((await store.leads.offersOfLead(one.id)).filter((o) => o.round === 2)).toEqual(w1.offers);
      expect(w1.lead).toEqual(await store.leads.findLead(one.id));
      expect(w1.lead).toMatchObject({ state: 'ROUTING', round: 2, routingAnchor: a1 });
      expect(w2.lead).toEqual(await store.leads.findLead(two.id));
      expect(w2.lead).toMatchObject({ state: 'UNASSIGNED', round: 2 });
      expect(await store.leads.routingRounds(one.id, 2)).toEqual([{ round: 2, at: at(30), decisions: [[a2, 'OFFERED'], [a3, 'OFFERED'], [a1, 'ALREADY_OFFERED']] }]);
      expect(await store.leads.routingRounds(two.id, 2)).toEqual([{ round: 2, at: at(30), decisions: [[a2, 'ALREADY_OFFERED']] }]);
      expect(await store.transaction((tx) => tx.leads.writeRounds(at(30), [], []))).toEqual([]);
    });

    it('writeRound with a new lead inserts it with the patch and writes its round: the events given, its own, then each OFFERED; refused, it inserts nothing', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2, a3] = agentIds as [number, number, number];
      // An expired offer's lead, whose EXPIRED event the transaction has not written yet.
      const { lead: earlier } = await leadWithOffers(store, sourceId, [a1]);
      const fields = {
        sourceId, kind: 'GENERAL' as const, state: 'ROUTING' as const, firstName: 'Noa', lastName: "O'Neil", email: 'noa@example.com',
        phone: '+15551234567', message: 'two beds \\ "garden"', postalCode: '90210', price: 450_000, externalId: 'ext-1', createdAt: T0,
      };
      const written = await store.transaction((tx) => tx.leads.writeRound({
        lead: { insert: fields }, patch: { round: 1, routingAnchor: a1 }, round: 1, at: T0,
        rotation: { sourceId, read: { anchor: null, credits: null }, next: { anchor: a2, credits: null } },
        decisions: [[a2, 'OFFERED'], [a3, 'OFFERED'], [a1, 'WAITING']],
        offers: [a2, a3].map((agentId) => ({ agentId, round: 1, state: 'PENDING' as const, offeredAt: T0, expiresAt: at(60) })),
        events: [{ leadId: earlier.id, type: 'EXPIRED', at: T0, agentId: a1 }],
        leadEvents: [{ type: 'CREATED', at: T0, actorId: a1 }],
      }));
      if ('moved' in written) throw new Error('writeRound refused a rotation it was given as read');
      const lead = written.lead;
      expect(lead).toEqual(await store.leads.findLead(lead.id));
      expect(lead).toMatchObject({ ...fields, round: 1, routingAnchor: a1, ownerId: null, contactDueAt: null });
      expect(lead.id).toBeGreaterThan(earlier.id);
      expect(written.offers).toEqual(await store.leads.offersOfLead(lead.id));
      expect(written.offers.map((o) => [o.leadId, o.agentId])).toEqual([[lead.id, a2], [lead.id, a3]]);
      expect(written.events.map((e) => [e.leadId, e.type, e.agentId, e.offerId])).toEqual([
        [earlier.id, 'EXPIRED', a1, null],
        [lead.id, 'CREATED', null, null],
        [lead.id, 'OFFERED', a2, written.offers[0]?.id],
        [lead.id, 'OFFERED', a3, written.offers[1]?.id],
      ]);
      expect(await store.leads.routingRounds(lead.id)).toEqual([{ round: 1, at: T0, decisions: [[a2, 'OFFERED'], [a3, 'OFFERED'], [a1, 'WAITING']] }]);
      expect(await store.leads.findLeadByExternalId(sourceId, 'ext-1')).toEqual(lead);

      // Columns the new lead leaves out take the table's defaults (its creation time), as insertLead's do.
      const bare = await store.transaction((tx) => tx.leads.writeRound({
        lead: { insert: { sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Bo' } }, patch: { state: 'UNASSIGNED', round: 1, routingAnchor: 0 },
        round: 1, at: T0, rotation: null, decisions: [], offers: [], events: [], leadEvents: [{ type: 'UNASSIGNED', at: T0 }],
      }));
      if ('moved' in bare) throw new Error('writeRound without a rotation was refused');
      expect(bare.lead).toEqual(await store.leads.findLead(bare.lead.id));
      expect(bare.lead).toMatchObject({ firstName: 'Bo', state: 'UNASSIGNED', round: 1, routingAnchor: 0, email: null, price: null });
      expect(bare.lead.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(bare.lead.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect(bare.events.map((e) => [e.leadId, e.type])).toEqual([[bare.lead.id, 'UNASSIGNED']]);

      // Refused (the rotation moved): no lead, no round, no offer, no event.
      const before = await exec(store, ROUTING_ROWS);
      const refused = await store.transaction((tx) => tx.leads.writeRound({
        lead: { insert: { ...fields, externalId: 'ext-2' } }, patch: { round: 1, routingAnchor: 0 }, round: 1, at: T0,
        rotation: { sourceId, read: { anchor: null, credits: null }, next: { anchor: a3, credits: null } },
        decisions: [[a3, 'OFFERED']], offers: [{ agentId: a3, round: 1, state: 'PENDING', offeredAt: T0, expiresAt: at(60) }],
        events: [], leadEvents: [{ type: 'CREATED', at: T0 }],
      }));
      expect(refused).toEqual({ moved: expect.objectContaining({ anchor: a2, credits: null }) });
      expect(await exec(store, ROUTING_ROWS)).toEqual(before);
      expect(await store.leads.findLeadByExternalId(sourceId, 'ext-2')).toBeNull();
    });

    it('writeRound writes the round\'s messages, each for the offer to its user, and committing with the round (commit) reads the same; planned from a moved rotation it writes nothing and the transaction ends with moved', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2, a3] = agentIds as [number, number, number];
      const message = (userId: number, channel: 'sms' | 'email') => ({
        userId, channel, to: channel === 'sms' ? `+1555000000${userId % 10}` : `a${userId}@example.com`,
        subject: channel === 'email' ? 'New lead' : null, body: `for ${userId} via ${channel}`, status: 'PENDING' as const, attempts: 0,
        nextAttemptAt: T0, createdAt: T0,
      });
      const planned = (name: string, read: Rotation, next: Rotation) => ({
        lead: { insert: { sourceId, kind: 'GENERAL' as const, state: 'ROUTING' as const, firstName: name, createdAt: T0 } },
        patch: { round: 1, routingAnchor: a1 }, round: 1, at: T0, rotation: { sourceId, read, next },
        decisions: [[a2, 'OFFERED'], [a3, 'OFFERED']] as [number, 'OFFERED'][],
        offers: [a2, a3].map((agentId) => ({ agentId, round: 1, state: 'PENDING' as const, offeredAt: T0, expiresAt: at(60) })),
        events: [], leadEvents: [{ type: 'CREATED' as const, at: T0 }],
        // Out of offer order, and two for one agent: each still finds its user's offer.
        messages: [message(a3, 'sms'), message(a2, 'email'), message(a3, 'email')],
        commit: true,
      });
      let runs = 0;
      const written = await store.transaction((tx) => { runs++; return tx.leads.writeRound(planned('Mia', { anchor: null, credits: null }, { anchor: a3, credits: null })); });
      if ('moved' in written) throw new Error('writeRound refused a rotation it was given as read');
      expect(runs).toBe(1);
      const offerOf = new Map(written.offers.map((o) => [o.agentId, o.id]));
      expect(written.messages.map((m) => [m.leadId, m.offerId, m.userId, m.channel, m.to, m.subject, m.body, m.status, m.attempts, m.nextAttemptAt, m.createdAt])).toEqual([
        [written.lead.id, offerOf.get(a3), a3, 'sms', `+1555000000${a3 % 10}`, null, `for ${a3} via sms`, 'PENDING', 0, T0, T0],
        [written.lead.id, offerOf.get(a2), a2, 'email', `a${a2}@example.com`, 'New lead', `for ${a2} via email`, 'PENDING', 0, T0, T0],
        [written.lead.id, offerOf.get(a3), a3, 'email', `a${a3}@example.com`, 'New lead', `for ${a3} via email`, 'PENDING', 0, T0, T0],
      ]);
      expect(written.messages.map((m) => m.id)).toEqual([...written.messages.map((m) => m.id)].sort((x, y) => x - y));
      expect(await store.notifications.ofLead(written.lead.id)).toEqual(expect.arrayContaining(written.messages));
      expect(written.offers).toEqual(await store.leads.offersOfLead(written.lead.id));
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a3, credits: null });

      // Planned from the rotation as it was before: refused, nothing written (a PostgreSQL store fails the
      // statement that was to commit and runs the transaction again, twice, then checks at once, where the
      // refusal comes back: postgres-commit-with-round.test.ts).
      const before = await exec(store, `${ROUTING_ROWS}, (SELECT count(*) FROM notifications) AS n`);
      const refused = await store.transaction((tx) => tx.leads.writeRound(planned('Ned', { anchor: null, credits: null }, { anchor: a2, credits: null })));
      expect(refused).toEqual({ moved: expect.objectContaining({ anchor: a3, credits: null }) });
      expect(await exec(store, `${ROUTING_ROWS}, (SELECT count(*) FROM notifications) AS n`)).toEqual(before);

      // A message for an agent the round does not offer the lead to is refused, and nothing is written.
      const stray = planned('Oz', { anchor: a3, credits: null }, { anchor: a2, credits: null });
      await expect(store.transaction((tx) => tx.leads.writeRound({ ...stray, messages: [message(a1, 'sms')] }))).rejects.toThrow(/no offer/);
      expect(await exec(store, `${ROUTING_ROWS}, (SELECT count(*) FROM notifications) AS n`)).toEqual(before);
    });

    it('writeRound with alternatives writes the way planned from the rotation it finds (its offers, decisions, anchors and their messages) in one run, and refuses only when none was', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 4);
      const [a1, a2, a3, a4] = agentIds as [number, number, number, number];
      const sms = (userId: number) => ({
        userId, channel: 'sms' as const, to: `+1555000000${userId % 10}`, subject: null, body: `for ${userId}`, status: 'PENDING' as const,
        attempts: 0, nextAttemptAt: T0, createdAt: T0,
      });
      const offer = (agentId: number) => ({ agentId, round: 1, state: 'PENDING' as const, offeredAt: T0, expiresAt: at(60) });
      // Planned from a rotation at the start (no anchor): a1; had other rounds moved it to a1, then a2: a2, then a3.
      const planned = (name: string) => ({
        lead: { insert: { sourceId, kind: 'GENERAL' as const, state: 'ROUTING' as const, firstName: name, createdAt: T0 } },
        patch: { round: 1, routingAnchor: 0 }, round: 1, at: T0,
        rotation: { sourceId, read: { anchor: null, credits: null }, next: { anchor: a1, credits: null } },
        decisions: [[a1, 'OFFERED'], [a2, 'WAITING'], [a3, 'WAITING'], [a4, 'WAITING']] as [number, 'OFFERED' | 'WAITING'][],
        offers: [offer(a1)],
        alternatives: [
          { from: a1, next: a2, routingAnchor: a1, decisions: [[a2, 'OFFERED'], [a3, 'WAITING'], [a4, 'WAITING'], [a1, 'WAITING']] as [number, 'OFFERED' | 'WAITING'][], offers: [offer(a2)] },
          { from: a2, next: a3, routingAnchor: a2, decisions: [[a3, 'OFFERED'], [a4, 'WAITING'], [a1, 'WAITING'], [a2, 'WAITING']] as [number, 'OFFERED' | 'WAITING'][], offers: [offer(a3)] },
        ],
        events: [], leadEvents: [{ type: 'CREATED' as const, at: T0 }],
        messages: [sms(a1), sms(a2), sms(a3)],
        commit: true,
      });

      // The rotation is where it was planned from: the round as planned.
      const first = await store.transaction((tx) => tx.leads.writeRound(planned('Ada')));
      if ('moved' in first) throw new Error('writeRound refused a rotation it was given as read');
      expect(first.alternative).toBeUndefined();
      expect(first.offers.map((o) => o.agentId)).toEqual([a1]);
      expect(first.messages.map((m) => [m.userId, m.offerId])).toEqual([[a1, first.offers[0]?.id]]);
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a1, credits: null });

      // Other rounds moved it to a2: written as the second alternative, in one run, nothing of the others.
      await store.transaction((tx) => tx.leads.setSourceAnchor(sourceId, a2));
      let runs = 0;
      const moved = await store.transaction((tx) => { runs++; return tx.leads.writeRound(planned('Bo')); });
      if ('moved' in moved) throw new Error('writeRound refused a round with an alternative from the rotation it found');
      expect(runs).toBe(1);
      expect(moved.alternative).toBe(1);
      expect(moved.lead).toEqual(await store.leads.findLead(moved.lead.id));
      expect(moved.lead).toMatchObject({ firstName: 'Bo', round: 1, routingAnchor: a2 });
      expect(moved.offers).toEqual(await store.leads.offersOfLead(moved.lead.id));
      expect(moved.offers.map((o) => o.agentId)).toEqual([a3]);
      expect(moved.events.map((e) => [e.type, e.agentId])).toEqual([['CREATED', null], ['OFFERED', a3]]);
      expect(moved.messages.map((m) => [m.userId, m.offerId, m.body])).toEqual([[a3, moved.offers[0]?.id, `for ${a3}`]]);
      expect(await store.notifications.ofLead(moved.lead.id)).toEqual(moved.messages);
      expect(await store.leads.routingRounds(moved.lead.id)).toEqual([{ round: 1, at: T0, decisions: [[a3, 'OFFERED'], [a4, 'WAITING'], [a1, 'WAITING'], [a2, 'WAITING']] }]);
      expect(await store.leads.readRotation(sourceId)).toEqual({ anchor: a3, credits: null });

      // At a3 no way was planned from: refused as without alternatives, nothing written.
      const before = await exec(store, `${ROUTING_ROWS}, (SELECT count(*) FROM notifications) AS n`);
      const refused = await store.transaction((tx) => tx.leads.writeRound(planned('Cy')));
      expect(refused).toEqual({ moved: expect.objectContaining({ anchor: a3, credits: null }) });
      expect(await exec(store, `${ROUTING_ROWS}, (SELECT count(*) FROM notifications) AS n`)).toEqual(before);
    });

    it('leadsWithUsers gives each existing lead with its users, ascending', async () => {
      const store = await open();
      const { sourceId, agentIds } = await fixture(store, 3);
      const [a1, a2, a3] = agentIds as [number, number, number];
      const one = await store.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ASSIGNED', ownerId: a1, firstName: 'One' });
      const two = await store.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Two' });
      await store.leadWork.addLeadUser(one.id, a3);
      await store.leadWork.addLeadUser(one.id, a2);
      const found = await store.leads.leadsWithUsers([two.id, one.id, 999_999]);
      expect(found.sort((x, y) => x.lead.id - y.lead.id)).toEqual([
        { lead: await store.leads.findLead(one.id), userIds: [a2, a3] },
        { lead: await store.leads.findLead(two.id), userIds: [] },
      ]);
      expect(await store.leads.leadsWithUsers([])).toEqual([]);
    });

    it('a transaction\'s stores refuse to be used after it ended', async () => {
      const store = await open();
      let kept: StoreTx | null = null;
      await store.transaction(async (tx) => {
        kept = tx;
      });
      // Refused however the store reports it (a rejection, or a throw from the call itself).
      await expect(Promise.resolve().then(() => (kept as unknown as StoreTx).leads.findLead(1))).rejects.toThrow(/after it ended/);
    });
  });
});

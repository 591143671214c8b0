// The routing rules of issue 15 on plain data: daily caps, service areas that widen, weights, and
// the one planning function (planLeadRound) the real round, nextUp and routingPreview share.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localMidnights, winsToday } from '../../src/domain/daily-caps.js';
import { compileWorkingHours } from '../../src/domain/local-time.js';
import {
  exclusionReason, planLeadRound, planRound, roundContext, type AgentSnapshot, type LeadRoundInput, type LeadSourceRules,
} from '../../src/domain/routing.js';
import { matchesArea, normalizePostal, validateServiceAreas } from '../../src/domain/service-areas.js';
import { decodeCredits, encodeCredits, pickWeightedHead } from '../../src/domain/weighted-rotation.js';

const NOW = Date.UTC(2026, 5, 1, 15, 0); // Monday 1 June 2026, 10:00 in Chicago
const agent = (id: number, over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  id, active: true, inOffice: true, officeIds: [], haltedAt: null, haltUntil: null, ...over,
});
const source = (over: Partial<LeadSourceRules> = {}): LeadSourceRules => ({
  officeIds: [], leadGroupMemberIds: null, raceAgentCount: 1, matchServiceArea: false, widenAfterRounds: null, ...over,
});
const input = (roster: AgentSnapshot[], over: Partial<LeadRoundInput> = {}): LeadRoundInput => ({
  roster, source: source(), alreadyOffered: new Set(), anchor: 0, firstRound: true, round: 1, postalCode: null,
  winsToday: null, credits: null, now: NOW, ...over,
});

describe('daily caps', () => {
  it('an agent at their cap is skipped with AT_CAPACITY; below it, or without a cap, they are not', () => {
    const capped = agent(1, { dailyLeadCap: 2 });
    const src = { officeIds: [], leadGroupMemberIds: null };
    expect(exclusionReason(capped, src, new Set(), NOW, roundContext(NOW, new Map([[1, 2]])))).toBe('AT_CAPACITY');
    expect(exclusionReason(capped, src, new Set(), NOW, roundContext(NOW, new Map([[1, 1]])))).toBeNull();
    expect(exclusionReason(agent(1), src, new Set(), NOW, roundContext(NOW, new Map([[1, 9]])))).toBeNull();
    expect(exclusionReason(agent(1, { dailyLeadCap: 0 }), src, new Set(), NOW, roundContext(NOW, new Map()))).toBe('AT_CAPACITY');
  });

  it('wins count from each agent\'s own local midnight, so the cap lifts at their midnight', () => {
    const chicago = agent(1, { timeZone: 'America/Chicago', dailyLeadCap: 1 });
    const london = agent(2, { timeZone: 'Europe/London', dailyLeadCap: 1 });
    const midnights = localMidnights([chicago, london], NOW);
    expect(midnights.get(1)).toBe(Date.UTC(2026, 5, 1, 5)); // 00:00 CDT
    expect(midnights.get(2)).toBe(Date.UTC(2026, 4, 31, 23)); // 00:00 BST
    // Both won a lead at 04:00 UTC: the day before in Chicago (23:00 CDT), today in London (05:00 BST).
    const wins = [{ agentId: 1, at: Date.UTC(2026, 5, 1, 4) }, { agentId: 2, at: Date.UTC(2026, 5, 1, 4) }];
    expect(winsToday(midnights, wins)).toEqual(new Map([[1, 0], [2, 1]]));
  });
});

describe('service areas', () => {
  it('a service area matches the postal codes it is a prefix of, spaces, dashes and case aside', () => {
    expect(validateServiceAreas([' 787 ', '78610', 'sw1a-1aa', '787'])).toEqual(['78610', '787', 'SW1A1AA']);
    expect(matchesArea(['787'], normalizePostal('78701-1234'))).toBe(true);
    expect(matchesArea(['78610'], normalizePostal('78613'))).toBe(false);
    expect(matchesArea(['SW1'], normalizePostal('sw1a 1aa'))).toBe(true);
    expect(() => validateServiceAreas(['78*'])).toThrow(/postal code/);
  });

  it('with matchServiceArea, a lead with a postal code goes only to agents serving it (NOT_IN_AREA for the others)', () => {
    const roster = [agent(1, { serviceAreas: ['786'] }), agent(2, { serviceAreas: ['787'] }), agent(3)];
    const plan = planLeadRound(input(roster, { source: source({ matchServiceArea: true }), postalCode: '78701' }));
    expect(plan.offered).toEqual([2]);
    expect(plan.decisions).toEqual([[1, 'NOT_IN_AREA'], [2, 'OFFERED'], [3, 'NOT_IN_AREA']]);
    expect(plan.widened).toBe(false);
    // Without a postal code, or without the source's rule, areas do not matter.
    expect(planLeadRound(input(roster, { source: source({ matchServiceArea: true }) })).offered).toEqual([1]);
    expect(planLeadRound(input(roster, { postalCode: '78701' })).offered).toEqual([1]);
  });

  it('after widenAfterRounds rounds the rule is dropped for later rounds', () => {
    const roster = [agent(1), agent(2, { serviceAreas: ['787'] }), agent(3, { serviceAreas: ['787'] })];
    const src = source({ matchServiceArea: true, widenAfterRounds: 1 });
    const round2 = planLeadRound(input(roster, { source: src, postalCode: '78701', firstRound: false, round: 2, alreadyOffered: new Set([2]), anchor: 1 }));
    expect(round2.offered).toEqual([3]);
    expect(round2.widened).toBe(true);
    const round1 = planLeadRound(input(roster, { source: src, postalCode: '78701', alreadyOffered: new Set(), anchor: 0 }));
    expect(round1.offered).toEqual([2]);
  });

  it('a round in which nobody serving the area can be offered the lead is planned without the rule', () => {
    const roster = [agent(1), agent(2, { serviceAreas: ['787'], inOffice: false })];
    const plan = planLeadRound(input(roster, { source: source({ matchServiceArea: true }), postalCode: '78701' }));
    expect(plan.offered).toEqual([1]);
    expect(plan.widened).toBe(true);
  });

  it('property: a widened lead always reaches someone eligible, and never one who is not', () => {
    const areaArb = fc.constantFrom('7', '78', '787', '786', '78701', 'SW1');
    const agentArb = (id: number) => fc.record({
      active: fc.boolean(), inOffice: fc.boolean(), halted: fc.boolean(), capped: fc.boolean(),
      serviceAreas: fc.uniqueArray(areaArb, { maxLength: 3 }),
    }).map((r): AgentSnapshot => agent(id, {
      active: r.active, inOffice: r.inOffice, haltedAt: r.halted ? NOW - 1 : null, dailyLeadCap: r.capped ? 0 : null,
      serviceAreas: r.serviceAreas,
    }));
    const rosterArb = fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 12 })
      .chain((ids) => fc.tuple(...ids.map(agentArb)).map((agents): AgentSnapshot[] => agents));
    fc.assert(fc.property(
      rosterArb, fc.constantFrom('78701', '78610', 'SW1A1AA', '10001'), fc.integer({ min: 1, max: 5 }),
      fc.option(fc.integer({ min: 1, max: 4 })), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 31 }),
      (roster, postalCode, round, widenAfterRounds, raceAgentCount, anchor) => {
        const src = source({ matchServiceArea: true, widenAfterRounds, raceAgentCount });
        const plan = planLeadRound(input(roster, { source: src, postalCode, round, firstRound: round === 1, anchor, winsToday: new Map() }));
        const anyone = roster.filter((a) => exclusionReason(a, src, new Set(), NOW, roundContext(NOW, new Map())) === null).map((a) => a.id);
        const inArea = anyone.filter((id) => matchesArea(roster.find((a) => a.id === id)?.serviceAreas ?? [], postalCode));
        expect(plan.offered.length > 0).toBe(anyone.length > 0);
        for (const id of plan.offered) expect(anyone).toContain(id);
        const areaRound = widenAfterRounds === null || round <= widenAfterRounds;
        if (areaRound && inArea.length > 0) for (const id of plan.offered) expect(inArea).toContain(id);
      },
    ), { numRuns: 400 });
  });
});

describe('weights', () => {
  it('property: over any run of leads, each agent heads the list n·w/W times, within one', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 300 }),
      (weights, n) => {
        const agents = weights.map((weight, i) => ({ id: i + 1, weight }));
        const total = weights.reduce((a, b) => a + b, 0);
        const heads = new Map<number, number>();
        let credits = new Map<number, number>();
        for (let k = 1; k <= n; k++) {
          const pick = pickWeightedHead(agents, credits);
          if (!pick) throw new Error('no head');
          credits = pick.credits;
          heads.set(pick.head, (heads.get(pick.head) ?? 0) + 1);
          for (const a of agents) expect(Math.abs((heads.get(a.id) ?? 0) - (k * a.weight) / total)).toBeLessThanOrEqual(1);
        }
      },
    ), { numRuns: 300 });
  });

  it('the contract\'s example: agents weighted 1, 2, 3 head 10, 20, 30 of 60 leads, through planLeadRound and stored credits', () => {
    const roster = [agent(1), agent(2, { routingWeight: 2 }), agent(3, { routingWeight: 3 })];
    let stored: string | null = null;
    let anchor = 0;
    const heads = new Map<number, number>();
    for (let k = 0; k < 60; k++) {
      const plan = planLeadRound(input(roster, { anchor, credits: decodeCredits(stored) }));
      if (plan.head === null || !plan.credits) throw new Error('no weighted head');
      // As startNextRound does: the head becomes the anchor, the credits are stored as text.
      anchor = plan.head;
      stored = encodeCredits(plan.credits);
      expect(plan.offered).toEqual([plan.head]);
      heads.set(plan.head, (heads.get(plan.head) ?? 0) + 1);
    }
    expect([heads.get(1), heads.get(2), heads.get(3)]).toEqual([10, 20, 30]);
  });

  it('an agent skipped for a week comes back with the credit they had, not a week of missed leads', () => {
    const a = { id: 1, weight: 1 };
    const b = { id: 2, weight: 3 };
    let credits = new Map<number, number>();
    // A week of leads while agent 1 is halted: only agent 2 is eligible.
    for (let k = 0; k < 500; k++) credits = pickWeightedHead([b], credits)?.credits ?? credits;
    const heads: number[] = [];
    for (let k = 0; k < 8; k++) {
      const pick = pickWeightedHead([a, b], credits);
      if (!pick) throw new Error('no head');
      credits = pick.credits;
      heads.push(pick.head);
    }
    expect(heads.filter((h) => h === 1)).toHaveLength(2);
  });

  it('with every weight 1 the plan is the plain rotation: no credits, the same list as planRound', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 31 }),
      fc.integer({ min: 1, max: 3 }),
      (ids, anchor, raceAgentCount) => {
        const roster = ids.sort((x, y) => x - y).map((id) => agent(id, { routingWeight: 1 }));
        const plan = planLeadRound(input(roster, { anchor, source: source({ raceAgentCount }) }));
        const plain = planRound(roster, { officeIds: [], leadGroupMemberIds: null, raceAgentCount }, new Set(), anchor, NOW);
        expect(plan.credits).toBeNull();
        expect(plan.decisions).toEqual(plain.decisions);
        expect(plan.head).toBe(plain.head);
      },
    ));
  });

  it('only agents eligible now are weighed: a weighted agent outside their hours neither heads nor earns', () => {
    const offHours = compileWorkingHours([{ day: 'SUN', start: '09:00', end: '17:00' }]);
    const roster = [agent(1), agent(2, { routingWeight: 5, hours: offHours, timeZone: 'America/Chicago' }), agent(3, { routingWeight: 2 })];
    const plan = planLeadRound(input(roster));
    expect(plan.decisions.find(([id]) => id === 2)?.[1]).toBe('OUTSIDE_HOURS');
    expect(plan.head).toBe(3);
    expect(plan.credits?.has(2)).toBe(false);
  });
});

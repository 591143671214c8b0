// Property-based tests of the pure routing rules: for any roster, source, history and anchor.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exclusionReason, isHalted, listHead, planFromHead, planRound, rotate, type AgentSnapshot } from '../../src/domain/routing.js';

const NOW = Date.UTC(2026, 0, 5, 9);

const agentArb = (id: number): fc.Arbitrary<AgentSnapshot> => fc.record({
  active: fc.boolean(),
  inOffice: fc.boolean(),
  officeIds: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
  halt: fc.option(fc.record({ at: fc.integer({ min: -3, max: 0 }), until: fc.option(fc.integer({ min: -2, max: 3 })) }), { freq: 3 }),
}).map(({ active, inOffice, officeIds, halt }) => ({
  id, active, inOffice, officeIds,
  haltedAt: halt ? NOW + halt.at * 60_000 : null,
  haltUntil: halt?.until != null ? NOW + halt.until * 60_000 : null,
}));

const rosterArb = fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 15 })
  .chain((ids) => fc.tuple(...ids.map(agentArb)).map((agents): AgentSnapshot[] => agents));

const scenarioArb = rosterArb.chain((agents) => {
  const ids = agents.map((a) => a.id);
  const subset = ids.length ? fc.subarray(ids) : fc.constant<number[]>([]);
  return fc.record({
    agents: fc.constant(agents),
    source: fc.record({
      officeIds: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      leadGroupMemberIds: fc.option(subset.map((s) => new Set(s)), { freq: 2 }),
      raceAgentCount: fc.integer({ min: 1, max: 5 }),
    }),
    alreadyOffered: subset.map((s) => new Set(s)),
    anchor: fc.option(fc.integer({ min: 0, max: 45 })),
  });
});

/** Eligibility written out from the design, independently of exclusionReason. */
function eligible(a: AgentSnapshot, s: { officeIds: readonly number[]; leadGroupMemberIds: ReadonlySet<number> | null }, offered: ReadonlySet<number>): boolean {
  const halted = a.haltedAt !== null && (a.haltUntil === null || a.haltUntil > NOW);
  return a.active && a.inOffice && !halted && !offered.has(a.id)
    && (s.officeIds.length === 0 || a.officeIds.some((o) => s.officeIds.includes(o)))
    && (s.leadGroupMemberIds === null || s.leadGroupMemberIds.has(a.id));
}

describe('routing rules (properties)', () => {
  it('planRound offers only eligible agents, never one already offered, at most raceAgentCount, and as many as it can', () => {
    fc.assert(fc.property(scenarioArb, ({ agents, source, alreadyOffered, anchor }) => {
      const plan = planRound(agents, source, alreadyOffered, anchor, NOW);
      const byId = new Map(agents.map((a) => [a.id, a]));
      for (const id of plan.offered) {
        const agent = byId.get(id);
        expect(agent && eligible(agent, source, alreadyOffered)).toBe(true);
        expect(alreadyOffered.has(id)).toBe(false);
      }
      expect(plan.offered.length).toBeLessThanOrEqual(source.raceAgentCount);
      expect(new Set(plan.offered).size).toBe(plan.offered.length);
      const eligibleCount = agents.filter((a) => eligible(a, source, alreadyOffered)).length;
      expect(plan.offered.length).toBe(Math.min(source.raceAgentCount, eligibleCount));
    }), { numRuns: 500 });
  });

  it('every agent appears exactly once in the decisions, in distribution-list order, with the reason the rules give', () => {
    fc.assert(fc.property(scenarioArb, ({ agents, source, alreadyOffered, anchor }) => {
      const plan = planRound(agents, source, alreadyOffered, anchor, NOW);
      expect(plan.decisions.map(([id]) => id)).toEqual(rotate(agents, anchor).map((a) => a.id));
      expect(plan.decisions.filter(([, r]) => r === 'OFFERED').map(([id]) => id)).toEqual(plan.offered);
      const byId = new Map(agents.map((a) => [a.id, a]));
      for (const [id, reason] of plan.decisions) {
        const agent = byId.get(id);
        if (!agent) throw new Error('decision for an unknown agent');
        const ok = eligible(agent, source, alreadyOffered);
        expect(ok).toBe(reason === 'OFFERED' || reason === 'WAITING');
        expect(exclusionReason(agent, source, alreadyOffered, NOW)).toBe(ok ? null : reason);
      }
      // WAITING only once the round is full.
      const firstWaiting = plan.decisions.findIndex(([, r]) => r === 'WAITING');
      if (firstWaiting >= 0) {
        expect(plan.decisions.slice(0, firstWaiting).filter(([, r]) => r === 'OFFERED').length).toBe(source.raceAgentCount);
      }
    }), { numRuns: 500 });
  });

  it('planFromHead is the round planned again from the plan\'s head as the anchor (a new lead: nobody offered yet), or null when nobody is eligible', () => {
    fc.assert(fc.property(scenarioArb, ({ agents, source, anchor }) => {
      const plan = planRound(agents, source, new Set(), anchor, NOW);
      const moved = planFromHead(plan, source.raceAgentCount);
      if (plan.head === null) {
        expect(moved).toBeNull();
        return;
      }
      expect(moved).toEqual(planRound(agents, source, new Set(), plan.head, NOW));
    }), { numRuns: 500 });
    // A later round (someone offered already) is not planned so: its head is not its first eligible agent.
    const agents = [1, 2, 3].map((id) => ({ id, active: true, inOffice: true, officeIds: [1], haltedAt: null, haltUntil: null }));
    const later = planRound(agents, { officeIds: [1], leadGroupMemberIds: null, raceAgentCount: 1 }, new Set([1]), 0, NOW);
    expect(later.head).toBe(1);
    expect(planFromHead(later, 1)).toBeNull();
  });

  it('rotate is a permutation that starts at the first id after the anchor (or the lowest)', () => {
    fc.assert(fc.property(rosterArb, fc.option(fc.integer({ min: 0, max: 45 })), (agents, anchor) => {
      const out = rotate(agents, anchor).map((a) => a.id);
      const sorted = agents.map((a) => a.id).sort((x, y) => x - y);
      expect([...out].sort((x, y) => x - y)).toEqual(sorted);
      if (sorted.length === 0) return;
      const after = sorted.find((id) => anchor !== null && id > anchor);
      expect(out[0]).toBe(after ?? sorted[0]);
      // Ascending, wrapping around once.
      const drops = out.filter((id, i) => i > 0 && id < (out[i - 1] ?? 0)).length;
      expect(drops).toBeLessThanOrEqual(1);
    }), { numRuns: 500 });
  });

  it('listHead is the first eligible agent of the rotation (nobody offered yet), or null', () => {
    fc.assert(fc.property(scenarioArb, ({ agents, source, anchor }) => {
      const none = new Set<number>();
      const head = listHead(agents, source, anchor, NOW);
      expect(head).toBe(rotate(agents, anchor).find((a) => eligible(a, source, none))?.id ?? null);
      expect(head).toBe(planRound(agents, source, none, anchor, NOW).offered[0] ?? null);
      // planRound reports the same head in its single pass, whoever was offered the lead already.
      expect(planRound(agents, source, new Set(agents.filter((x) => x.id % 2 === 0).map((x) => x.id)), anchor, NOW).head).toBe(head);
    }), { numRuns: 500 });
  });

  it('a halt is in force from when it was set until haltUntil (exclusive), or indefinitely', () => {
    fc.assert(fc.property(fc.option(fc.integer()), fc.option(fc.integer()), fc.integer(), (haltedAt, haltUntil, now) => {
      const expected = haltedAt !== null && (haltUntil === null || haltUntil > now);
      expect(isHalted({ haltedAt, haltUntil }, now)).toBe(expected);
    }));
  });
});

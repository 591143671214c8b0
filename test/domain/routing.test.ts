// The routing rules of src/domain/routing.ts, one by one, on plain data.
import { describe, expect, it } from 'vitest';
import {
  exclusionReason, isHalted, leadAccess, leadKind, listHead, planFromHead, planRound, rotate, type AgentSnapshot,
} from '../../src/domain/routing.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const agent = (id: number, over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  id, active: true, inOffice: true, officeIds: [1], haltedAt: null, haltUntil: null, ...over,
});
const anyOffice = { officeIds: [], leadGroupMemberIds: null };
const none = new Set<number>();

describe('halts', () => {
  it('a halt without until lasts until resumed', () => {
    expect(isHalted({ haltedAt: NOW - 1000, haltUntil: null }, NOW + 1e12)).toBe(true);
  });
  it('a halt with a past until is over; at the instant of until it is over', () => {
    expect(isHalted({ haltedAt: NOW - 1000, haltUntil: NOW + 1 }, NOW)).toBe(true);
    expect(isHalted({ haltedAt: NOW - 1000, haltUntil: NOW }, NOW)).toBe(false);
    expect(isHalted({ haltedAt: null, haltUntil: null }, NOW)).toBe(false);
  });
});

describe('eligibility', () => {
  it('an eligible agent has no exclusion reason', () => {
    expect(exclusionReason(agent(1), anyOffice, none, NOW)).toBeNull();
  });
  it('an inactive agent is skipped', () => {
    expect(exclusionReason(agent(1, { active: false }), anyOffice, none, NOW)).toBe('INACTIVE');
  });
  it("an agent outside the source's offices is skipped; no offices means all offices", () => {
    const src = { officeIds: [2, 3], leadGroupMemberIds: null };
    expect(exclusionReason(agent(1, { officeIds: [1] }), src, none, NOW)).toBe('NOT_IN_OFFICE');
    expect(exclusionReason(agent(1, { officeIds: [1, 3] }), src, none, NOW)).toBeNull();
    expect(exclusionReason(agent(1, { officeIds: [] }), anyOffice, none, NOW)).toBeNull();
  });
  it('with a lead group, only its members are offered the lead', () => {
    const src = { officeIds: [], leadGroupMemberIds: new Set([2]) };
    expect(exclusionReason(agent(1), src, none, NOW)).toBe('NOT_IN_LEAD_GROUP');
    expect(exclusionReason(agent(2), src, none, NOW)).toBeNull();
  });
  it('an agent already offered this lead is not offered it again', () => {
    expect(exclusionReason(agent(1), anyOffice, new Set([1]), NOW)).toBe('ALREADY_OFFERED');
  });
  it('a halted agent is skipped for general leads', () => {
    expect(exclusionReason(agent(1, { haltedAt: NOW - 5, haltUntil: null }), anyOffice, none, NOW)).toBe('HALTED');
  });
  it('an agent out of office is skipped', () => {
    expect(exclusionReason(agent(1, { inOffice: false }), anyOffice, none, NOW)).toBe('OUT_OF_OFFICE');
  });
  it('the first rule that applies is the reason given', () => {
    const everything = agent(1, { active: false, inOffice: false, haltedAt: NOW, officeIds: [9] });
    expect(exclusionReason(everything, { officeIds: [1], leadGroupMemberIds: new Set() }, new Set([1]), NOW)).toBe('INACTIVE');
  });
});

describe('round robin', () => {
  it('with no anchor the list starts at the lowest id', () => {
    expect(rotate([agent(5), agent(2), agent(9)], null).map((a) => a.id)).toEqual([2, 5, 9]);
  });
  it('the list starts at the first id after the anchor and wraps around', () => {
    expect(rotate([agent(2), agent(5), agent(9)], 5).map((a) => a.id)).toEqual([9, 2, 5]);
    expect(rotate([agent(2), agent(5), agent(9)], 9).map((a) => a.id)).toEqual([2, 5, 9]);
    // The anchor need not exist any more (a deleted or moved agent).
    expect(rotate([agent(2), agent(5), agent(9)], 6).map((a) => a.id)).toEqual([9, 2, 5]);
  });
  it('the head of the next list is the first eligible agent after the anchor', () => {
    const agents = [agent(1), agent(2, { inOffice: false }), agent(3)];
    expect(listHead(agents, anyOffice, 1, NOW)).toBe(3);
    expect(listHead(agents, anyOffice, 3, NOW)).toBe(1);
    expect(listHead([agent(1, { active: false })], anyOffice, null, NOW)).toBeNull();
  });
});

describe('planning a round', () => {
  it('offers the next raceAgentCount eligible agents; the rest of the eligible wait', () => {
    const agents = [agent(1), agent(2), agent(3, { haltedAt: NOW }), agent(4), agent(5)];
    const plan = planRound(agents, { ...anyOffice, raceAgentCount: 2 }, none, 1, NOW);
    expect(plan.offered).toEqual([2, 4]);
    expect(plan.decisions).toEqual([[2, 'OFFERED'], [3, 'HALTED'], [4, 'OFFERED'], [5, 'WAITING'], [1, 'WAITING']]);
  });
  it('a later round walks the same list past the agents already offered', () => {
    const agents = [agent(1), agent(2), agent(3)];
    const plan = planRound(agents, { ...anyOffice, raceAgentCount: 1 }, new Set([2]), 1, NOW);
    expect(plan.offered).toEqual([3]);
  });
  it('when nobody eligible is left, nobody is offered', () => {
    const plan = planRound([agent(1)], { ...anyOffice, raceAgentCount: 3 }, new Set([1]), null, NOW);
    expect(plan.offered).toEqual([]);
    expect(plan.decisions).toEqual([[1, 'ALREADY_OFFERED']]);
  });
  it('plans of one roster share their decision tuples, and a later plan leaves an earlier one as it was', () => {
    const agents = [agent(1), agent(2), agent(3, { haltedAt: NOW }), agent(4)];
    const rules = { ...anyOffice, raceAgentCount: 1 };
    const first = planRound(agents, rules, none, null, NOW);
    const before = structuredClone(first.decisions);
    const second = planRound(agents, rules, new Set([1]), 1, NOW);
    const third = planFromHead(first, 1);
    expect(first.decisions).toEqual(before);
    expect(first.decisions).toEqual([[1, 'OFFERED'], [2, 'WAITING'], [3, 'HALTED'], [4, 'WAITING']]);
    expect(second.decisions).toEqual([[2, 'OFFERED'], [3, 'HALTED'], [4, 'WAITING'], [1, 'ALREADY_OFFERED']]);
    expect(third?.decisions).toEqual([[2, 'OFFERED'], [3, 'HALTED'], [4, 'WAITING'], [1, 'WAITING']]);
    // The same agent and reason is the same tuple in every plan of the roster (no allocation per round).
    expect(second.decisions[1]).toBe(first.decisions[2]);
    expect(second.decisions[2]).toBe(first.decisions[3]);
    expect(third?.decisions[2]).toBe(first.decisions[3]);
    // Another roster snapshot (the roster changed) has tuples of its own.
    expect(planRound([...agents], rules, none, null, NOW).decisions[1]).not.toBe(first.decisions[1]);
  });
});

describe('lead kind', () => {
  it('a lead naming an active agent on a source that allows direct leads is DIRECT_TO_USER', () => {
    expect(leadKind({ allowDirectToUser: true }, { active: true })).toBe('DIRECT_TO_USER');
  });
  it('otherwise it is GENERAL: no target, a source that disallows direct leads, or an inactive target', () => {
    expect(leadKind({ allowDirectToUser: true }, null)).toBe('GENERAL');
    expect(leadKind({ allowDirectToUser: false }, { active: true })).toBe('GENERAL');
    expect(leadKind({ allowDirectToUser: true }, { active: false })).toBe('GENERAL');
  });
});

describe('who sees a lead', () => {
  const lead = { ownerId: 7 };
  it('admins, the owner and the lead users see everything', () => {
    expect(leadAccess({ id: 1, role: 'ADMIN' }, lead, { isUser: false, wasOffered: false })).toBe('FULL');
    expect(leadAccess({ id: 7, role: 'AGENT' }, lead, { isUser: false, wasOffered: true })).toBe('FULL');
    expect(leadAccess({ id: 8, role: 'AGENT' }, lead, { isUser: true, wasOffered: false })).toBe('FULL');
  });
  it('an agent who was offered it sees a limited view; anyone else nothing', () => {
    expect(leadAccess({ id: 9, role: 'AGENT' }, lead, { isUser: false, wasOffered: true })).toBe('LIMITED');
    expect(leadAccess({ id: 9, role: 'AGENT' }, lead, { isUser: false, wasOffered: false })).toBe('NONE');
  });
});

// The stored form of a routing round's decisions: every reason survives the round trip, and rounds
// written in the earlier JSON form still read the same.
import { describe, expect, it } from 'vitest';
import type { RoutingReason } from '../../src/domain/routing.js';
import { decodeDecisions, encodeDecisions, tallyDecisions, type Decisions } from '../../src/store/routing-decisions.js';

const REASONS: RoutingReason[] = ['OFFERED', 'ALREADY_OFFERED', 'HALTED', 'OUT_OF_OFFICE', 'INACTIVE', 'NOT_IN_OFFICE', 'NOT_IN_LEAD_GROUP', 'WAITING'];

describe('routing decisions storage', () => {
  it('round-trips every reason, in order, with multi-digit ids', () => {
    const decisions: Decisions = REASONS.map((reason, i) => [i * 137 + 1, reason]);
    const stored = encodeDecisions(decisions);
    expect(stored).toBe('1O,138A,275H,412X,549I,686N,823G,960W');
    expect(decodeDecisions(stored)).toEqual(decisions);
  });

  it('collapses consecutive ids with one reason into a run, across the wrap-around of the list', () => {
    const ids = [...Array.from({ length: 500 }, (_, i) => 501 + i), ...Array.from({ length: 500 }, (_, i) => 1 + i)];
    const decisions: Decisions = ids.map((id) => [id, id === 501 ? 'OFFERED' : id === 7 ? 'HALTED' : 'WAITING']);
    const stored = encodeDecisions(decisions);
    expect(stored).toBe('501O,502-1000W,1-6W,7H,8-500W');
    expect(decodeDecisions(stored)).toEqual(decisions);
  });

  it('a gap in the ids or a change of reason starts a new run', () => {
    const decisions: Decisions = [[3, 'WAITING'], [4, 'WAITING'], [6, 'WAITING'], [7, 'INACTIVE'], [8, 'INACTIVE']];
    expect(encodeDecisions(decisions)).toBe('3-4W,6W,7-8I');
    expect(decodeDecisions('3-4W,6W,7-8I')).toEqual(decisions);
  });

  it('round-trips random rounds exactly', () => {
    let seed = 7;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let round = 0; round < 200; round++) {
      let id = rand(5);
      const decisions: Decisions = Array.from({ length: rand(60) }, () => {
        id += 1 + (rand(4) === 0 ? rand(3) : 0);
        return [id, REASONS[rand(3) === 0 ? rand(REASONS.length) : 7] as RoutingReason];
      });
      expect(decodeDecisions(encodeDecisions(decisions))).toEqual(decisions);
    }
  });

  it('an empty round stays empty', () => {
    expect(encodeDecisions([])).toBe('');
    expect(decodeDecisions('')).toEqual([]);
  });

  it('reads rounds stored as JSON before the compact form', () => {
    expect(decodeDecisions('[[3,"OFFERED"],[5,"NOT_IN_LEAD_GROUP"]]')).toEqual([[3, 'OFFERED'], [5, 'NOT_IN_LEAD_GROUP']]);
  });

  it('refuses a corrupt entry instead of inventing a reason', () => {
    expect(() => decodeDecisions('12O,13Z')).toThrow(/13Z/);
    expect(() => decodeDecisions('xO')).toThrow(/xO/);
    expect(() => decodeDecisions('9-3W')).toThrow(/9-3W/);
  });

  it('tallies each reason over the runs as decoding would count them, in both stored forms', () => {
    const decisions: Decisions = [];
    for (let id = 1; id <= 1000; id++) decisions.push([id, id === 501 ? 'OFFERED' : id % 7 === 0 ? 'HALTED' : 'WAITING']);
    const expected = new Map<RoutingReason, number>();
    for (const [, reason] of decisions) expected.set(reason, (expected.get(reason) ?? 0) + 1);
    expect(tallyDecisions(encodeDecisions(decisions))).toEqual(expected);
    expect(tallyDecisions(JSON.stringify(decisions))).toEqual(expected);
    expect(tallyDecisions('')).toEqual(new Map());
    expect(() => tallyDecisions('12O,13Z')).toThrow(/13Z/);
  });
});

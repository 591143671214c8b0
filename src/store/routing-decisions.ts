// How a routing round's decisions are stored: one per agent considered, in distribution-list order.
// With 1,000 agents that is 1,000 entries per lead, so the form is compact and cheap to write: runs
// of consecutive ids with the same reason, `<first>[-<last>]<code>`, joined by commas. A round over
// agents 1..1000 that offered agent 501 is `501O,502-1000W,1-500W`. Agents are mostly created in
// batches, so runs are long; the worst case (no two ids consecutive) is one short entry per agent.
// JSON.stringify of the tuples took ~150 µs and 16 KB per lead at 1,000 agents; this takes a few µs
// and a few bytes. Rounds written before this form are JSON arrays and are still read.
import type { RoutingReason } from '../domain/routing.js';

const CODE: Record<RoutingReason, string> = {
  OFFERED: 'O', ALREADY_OFFERED: 'A', HALTED: 'H', OUT_OF_OFFICE: 'X', INACTIVE: 'I', NOT_IN_OFFICE: 'N',
  NOT_IN_LEAD_GROUP: 'G', WAITING: 'W', OUTSIDE_HOURS: 'T', AT_CAPACITY: 'C', NOT_IN_AREA: 'P',
};
const REASON = new Map<string, RoutingReason>(Object.entries(CODE).map(([reason, code]) => [code, reason as RoutingReason]));

export type Decisions = (readonly [agentId: number, reason: RoutingReason])[];

export function encodeDecisions(decisions: Decisions): string {
  let out = '';
  let i = 0;
  while (i < decisions.length) {
    const [first, reason] = decisions[i] as Decisions[number];
    let last = first;
    let j = i + 1;
    for (; j < decisions.length; j++) {
      const [id, r] = decisions[j] as Decisions[number];
      if (id !== last + 1 || r !== reason) break;
      last = id;
    }
    out += `${i === 0 ? '' : ','}${first}${last === first ? '' : `-${last}`}${CODE[reason]}`;
    i = j;
  }
  return out;
}

const RUN = /^(\d+)(?:-(\d+))?([A-Z])$/;

/** One stored run ("12-15W", "7O"): its first and last agent id and their reason. */
function readRun(run: string): { first: number; last: number; reason: RoutingReason } {
  const m = RUN.exec(run);
  const reason = m ? REASON.get(m[3] as string) : undefined;
  if (!m || !reason) throw new Error(`unreadable routing decision "${run}"`);
  const first = Number(m[1]);
  return { first, last: m[2] === undefined ? first : Number(m[2]), reason };
}

export function decodeDecisions(stored: string): Decisions {
  if (stored.startsWith('[')) return JSON.parse(stored) as Decisions;
  const out: Decisions = [];
  if (stored === '') return out;
  for (const run of stored.split(',')) {
    const { first, last, reason } = readRun(run);
    // A run longer than any roster could be is corruption, not a round: refuse it before expanding it.
    if (last < first || last - first > 1_000_000) throw new Error(`unreadable routing decision "${run}"`);
    for (let id = first; id <= last; id++) out.push([id, reason]);
  }
  return out;
}

/** How many agents a round's decisions gave each reason. */
export function countReasons(decisions: Decisions): Map<RoutingReason, number> {
  const tally = new Map<RoutingReason, number>();
  for (const [, reason] of decisions) tally.set(reason, (tally.get(reason) ?? 0) + 1);
  return tally;
}

/**
 * How many agents a stored round gave each reason, counted on the runs without expanding them (the
 * per-round log line reads this for a round it was not given the decisions of, at 1,000 agents).
 */
export function tallyDecisions(stored: string): Map<RoutingReason, number> {
  if (stored.startsWith('[')) return countReasons(decodeDecisions(stored));
  const tally = new Map<RoutingReason, number>();
  if (stored === '') return tally;
  for (const run of stored.split(',')) {
    const { first, last, reason } = readRun(run);
    tally.set(reason, (tally.get(reason) ?? 0) + last - first + 1);
  }
  return tally;
}

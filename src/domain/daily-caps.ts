// Daily lead caps: how many GENERAL leads each capped agent has won since their own local midnight.
// Pure: the wins (who, when) and `now` are passed in; the day is the agent's (domain/local-time.ts).
import { startOfLocalDay } from './local-time.js';
import type { AgentSnapshot } from './routing.js';

type Capped = Pick<AgentSnapshot, 'id' | 'timeZone'>;

/** Each agent's local midnight (ms) at `now`, computed once per zone. */
export function localMidnights(agents: readonly Capped[], now: number): Map<number, number> {
  const perZone = new Map<string, number>();
  const out = new Map<number, number>();
  for (const a of agents) {
    const zone = a.timeZone ?? 'UTC';
    let midnight = perZone.get(zone);
    if (midnight === undefined) {
      midnight = startOfLocalDay(zone, now);
      perZone.set(zone, midnight);
    }
    out.set(a.id, midnight);
  }
  return out;
}

/** The earliest of the midnights: one query from there covers every capped agent's day. */
export function earliestMidnight(midnights: ReadonlyMap<number, number>): number | null {
  let min: number | null = null;
  for (const m of midnights.values()) if (min === null || m < min) min = m;
  return min;
}

/** Wins per agent counted from that agent's own midnight (every capped agent present, 0 for none). */
export function winsToday(
  midnights: ReadonlyMap<number, number>,
  wins: readonly { agentId: number; at: number }[],
): Map<number, number> {
  const out = new Map<number, number>();
  for (const id of midnights.keys()) out.set(id, 0);
  for (const w of wins) {
    const since = midnights.get(w.agentId);
    if (since !== undefined && w.at >= since) out.set(w.agentId, (out.get(w.agentId) ?? 0) + 1);
  }
  return out;
}

// The routing roster's snapshot of one agent, from the columns both stores read (their loadRoster):
// the zone resolved (the agent's, else the company's), working hours compiled, service areas parsed.
// Done once per roster load, not per lead: the roster is cached (roster-cache.ts, RosterCache).
import { compileWorkingHours, WEEKDAYS, type WorkingHoursEntry } from '../domain/local-time.js';
import type { AgentSnapshot } from '../domain/routing.js';

export interface RosterColumns {
  id: number;
  active: boolean;
  inOffice: boolean;
  haltedAt: number | null;
  haltUntil: number | null;
  officeIds: number[];
  timeZone: string | null;
  companyTimeZone: string | null;
  workingHours: string;
  routingWeight: number;
  dailyLeadCap: number | null;
  serviceAreas: string;
}

/** Stored working hours (JSON written by the user service), as entries; anything unreadable: none. */
export function parseWorkingHours(text: string): WorkingHoursEntry[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e): e is WorkingHoursEntry => typeof e === 'object' && e !== null
      && WEEKDAYS.includes((e as WorkingHoursEntry).day) && typeof (e as WorkingHoursEntry).start === 'string'
      && typeof (e as WorkingHoursEntry).end === 'string');
  } catch {
    return [];
  }
}

/** Stored service areas (JSON written by the user service); anything unreadable: none. */
export function parseServiceAreas(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}

export function agentSnapshot(r: RosterColumns): AgentSnapshot {
  return {
    id: r.id,
    active: r.active,
    inOffice: r.inOffice,
    haltedAt: r.haltedAt,
    haltUntil: r.haltUntil,
    officeIds: r.officeIds,
    timeZone: r.timeZone ?? r.companyTimeZone ?? 'UTC',
    hours: compileWorkingHours(parseWorkingHours(r.workingHours)),
    routingWeight: r.routingWeight,
    dailyLeadCap: r.dailyLeadCap,
    serviceAreas: parseServiceAreas(r.serviceAreas),
  };
}

// A lead event and a routing decision in words, for the activity feed, a lead's history and its
// routing trace. Exhaustive records: a new event type or reason in the schema fails the type check
// here until it has words.
import type { LeadEventType, RoutingReason } from '../../api/generated.js';

const EVENT: Record<LeadEventType, (agent: string) => string> = {
  CREATED: () => 'came in',
  OFFERED: (agent) => `offered to ${agent}`,
  ACCEPTED: (agent) => `accepted by ${agent}`,
  DECLINED: (agent) => `declined by ${agent}`,
  EXPIRED: (agent) => `offer to ${agent} expired`,
  ASSIGNED: (agent) => `assigned to ${agent}`,
  UNASSIGNED: () => 'no agent took it: in the unassigned pool',
  OWNER_CHANGED: (agent) => `owner changed to ${agent}`,
  USER_ADDED: (agent) => `${agent} added to the lead`,
  USER_REMOVED: (agent) => `${agent} removed from the lead`,
  STATUS_CHANGED: () => 'status changed',
  CONTACTED: (agent) => `${agent} logged a contact with the client`,
  RECLAIMED: (agent) => `taken back from ${agent}: no contact logged in time`,
};

export function eventText(type: LeadEventType, agent: { name: string } | null | undefined): string {
  return EVENT[type](agent?.name ?? 'an agent');
}

/** Why an agent was or was not offered the lead in a round. */
export const REASON_TEXT: Record<RoutingReason, string> = {
  OFFERED: 'Offered',
  WAITING: 'Eligible, later in the list',
  ALREADY_OFFERED: 'Already offered in an earlier round',
  HALTED: 'Halted by an admin',
  OUT_OF_OFFICE: 'Out of office',
  INACTIVE: 'Deactivated',
  NOT_IN_OFFICE: "Not in the source's offices",
  NOT_IN_LEAD_GROUP: "Not in the source's lead group",
  OUTSIDE_HOURS: 'Outside their working hours',
  AT_CAPACITY: 'At their daily lead cap',
  NOT_IN_AREA: "Does not serve the lead's area",
};

/**
 * Where a reason sits in a round's trace, first to last. Reasons that only say the agent is not one
 * of the source's (another office, another lead group, deactivated) are folded away: in a large
 * brokerage they are most of the list and none of the answer.
 */
export const REASON_ORDER: Record<RoutingReason, { rank: number; folded: boolean }> = {
  OFFERED: { rank: 0, folded: false },
  WAITING: { rank: 1, folded: false },
  ALREADY_OFFERED: { rank: 2, folded: false },
  HALTED: { rank: 3, folded: false },
  OUT_OF_OFFICE: { rank: 4, folded: false },
  OUTSIDE_HOURS: { rank: 5, folded: false },
  AT_CAPACITY: { rank: 6, folded: false },
  NOT_IN_AREA: { rank: 7, folded: false },
  NOT_IN_OFFICE: { rank: 8, folded: true },
  NOT_IN_LEAD_GROUP: { rank: 9, folded: true },
  INACTIVE: { rank: 10, folded: true },
};

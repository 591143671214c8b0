// The routing rules as pure functions over plain data: who may be offered a lead, in what order,
// and who is offered it in the next round. No I/O and no clock: `now` is passed in.

export type RoutingReason =
  | 'OFFERED' | 'ALREADY_OFFERED' | 'HALTED' | 'OUT_OF_OFFICE' | 'INACTIVE' | 'NOT_IN_OFFICE'
  | 'NOT_IN_LEAD_GROUP' | 'WAITING';

/** What routing needs to know of an agent. */
export interface AgentSnapshot {
  readonly id: number;
  readonly active: boolean;
  readonly inOffice: boolean;
  readonly officeIds: readonly number[];
  readonly haltedAt: number | null;
  /** null with haltedAt set: halted until resumed. */
  readonly haltUntil: number | null;
}

/** What routing needs to know of a lead source. */
export interface SourceRules {
  /** Empty: agents of every office. */
  officeIds: readonly number[];
  /** null: no lead group restriction. */
  leadGroupMemberIds: ReadonlySet<number> | null;
  raceAgentCount: number;
  allowDirectToUser: boolean;
  directToUserAutoAccept: boolean;
}

/** A halt is in force from when it was set until `haltUntil` (exclusive), or until resumed. */
export function isHalted(agent: Pick<AgentSnapshot, 'haltedAt' | 'haltUntil'>, now: number): boolean {
  if (agent.haltedAt === null) return false;
  return agent.haltUntil === null || agent.haltUntil > now;
}

/**
 * Why an agent may not be offered a general lead of this source now, or null if they may.
 * The first rule that applies is the reason given.
 */
export function exclusionReason(
  agent: AgentSnapshot,
  source: Pick<SourceRules, 'officeIds' | 'leadGroupMemberIds'>,
  alreadyOffered: ReadonlySet<number>,
  now: number,
): RoutingReason | null {
  if (!agent.active) return 'INACTIVE';
  if (source.officeIds.length > 0 && !agent.officeIds.some((o) => source.officeIds.includes(o))) return 'NOT_IN_OFFICE';
  if (source.leadGroupMemberIds !== null && !source.leadGroupMemberIds.has(agent.id)) return 'NOT_IN_LEAD_GROUP';
  if (alreadyOffered.has(agent.id)) return 'ALREADY_OFFERED';
  if (isHalted(agent, now)) return 'HALTED';
  if (!agent.inOffice) return 'OUT_OF_OFFICE';
  return null;
}

/** Whether the items are in ascending id order already (the cached roster is: see roster-cache.ts). */
function sortedById(items: readonly { id: number }[]): boolean {
  for (let i = 1; i < items.length; i++) if ((items[i - 1] as { id: number }).id > (items[i] as { id: number }).id) return false;
  return true;
}

/** The ascending-by-id list and the index of its first id after `anchor` (0 when none is, or no anchor). */
function distributionStart<T extends { id: number }>(items: readonly T[], anchor: number | null): { sorted: readonly T[]; start: number } {
  const sorted = sortedById(items) ? items : [...items].sort((a, b) => a.id - b.id);
  if (anchor === null) return { sorted, start: 0 };
  // Binary search: the routing hot path walks the list from here instead of copying it rotated.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as T).id > anchor) hi = mid;
    else lo = mid + 1;
  }
  return { sorted, start: lo === sorted.length ? 0 : lo };
}

/**
 * Round-robin order: ids ascending, rotated to start at the first id after `anchor` (the agent who
 * headed the previous list), wrapping around. With no anchor the list starts at the lowest id.
 */
export function rotate<T extends { id: number }>(items: readonly T[], anchor: number | null): T[] {
  const { sorted, start } = distributionStart(items, anchor);
  return [...sorted.slice(start), ...sorted.slice(0, start)];
}

export interface RoundPlan {
  /** The agents offered the lead this round, in distribution-list order. */
  offered: number[];
  /** Every agent considered, in distribution-list order, with the reason. */
  decisions: [agentId: number, reason: RoutingReason][];
  /** listHead of the same list: its first agent eligible were nobody offered the lead yet (or null). */
  head: number | null;
}

const NOBODY: ReadonlySet<number> = new Set();

/**
 * The next round of a general lead: the next `raceAgentCount` eligible agents of the distribution
 * list that starts after `anchor`. An empty `offered` means nobody eligible is left.
 */
export function planRound(
  agents: readonly AgentSnapshot[],
  source: Pick<SourceRules, 'officeIds' | 'leadGroupMemberIds' | 'raceAgentCount'>,
  alreadyOffered: ReadonlySet<number>,
  anchor: number | null,
  now: number,
): RoundPlan {
  const offered: number[] = [];
  const decisions: RoundPlan['decisions'] = new Array(agents.length);
  let head: number | null = null;
  const { sorted, start } = distributionStart(agents, anchor);
  for (let k = 0; k < sorted.length; k++) {
    const i = start + k < sorted.length ? start + k : start + k - sorted.length;
    const agent = sorted[i] as AgentSnapshot;
    const excluded = exclusionReason(agent, source, alreadyOffered, now);
    // The head in the same pass (one sort and one check per agent, not two).
    if (head === null && (excluded === null
      || (excluded === 'ALREADY_OFFERED' && exclusionReason(agent, source, NOBODY, now) === null))) head = agent.id;
    if (excluded) {
      decisions[k] = [agent.id, excluded];
    } else if (offered.length < source.raceAgentCount) {
      offered.push(agent.id);
      decisions[k] = [agent.id, 'OFFERED'];
    } else {
      decisions[k] = [agent.id, 'WAITING'];
    }
  }
  return { offered, decisions, head };
}

/** The agent a new general lead's distribution list starts with, who becomes the source's anchor. */
export function listHead(
  agents: readonly AgentSnapshot[],
  source: Pick<SourceRules, 'officeIds' | 'leadGroupMemberIds'>,
  anchor: number | null,
  now: number,
): number | null {
  const none = new Set<number>();
  return rotate(agents, anchor).find((a) => exclusionReason(a, source, none, now) === null)?.id ?? null;
}

export type LeadKind = 'DIRECT_TO_USER' | 'GENERAL';

/**
 * A lead is DIRECT_TO_USER when it names an active agent whose own site or listing it came from
 * and its source allows direct leads; otherwise GENERAL. Halts and out-of-office do not matter here:
 * an agent's own leads always reach them.
 */
export function leadKind(
  source: Pick<SourceRules, 'allowDirectToUser'>,
  target: { active: boolean } | null,
): LeadKind {
  return source.allowDirectToUser && target !== null && target.active ? 'DIRECT_TO_USER' : 'GENERAL';
}

/**
 * Whether a new lead goes straight to a returning client's owner (kind REPEAT): only a lead that would
 * otherwise be GENERAL, on a source with repeatLeadsToOwner, that matched an earlier lead with an
 * active owner. A DIRECT_TO_USER lead stays direct: the agent's own site or listing names its agent,
 * and it is not raced to a stranger either.
 */
export function goesToRepeatOwner(kind: LeadKind, source: { repeatLeadsToOwner: boolean }, match: { ownerId: number } | null): boolean {
  return kind === 'GENERAL' && source.repeatLeadsToOwner && match !== null;
}

/**
 * When the winner of a lead must have logged a contact or set its status (ms), or null: a lead won in
 * a race (not the agent's own direct offer) on a source with contactDeadlineSeconds.
 */
export function contactDueAt(source: { contactDeadlineSeconds: number | null }, offer: { direct: boolean }, acceptedAt: number): number | null {
  if (offer.direct || source.contactDeadlineSeconds === null) return null;
  return acceptedAt + source.contactDeadlineSeconds * 1000;
}

export type LeadAccess = 'FULL' | 'LIMITED' | 'NONE';

/**
 * What a viewer may see of a lead, decided here and only here. Admins, the owner and the lead's
 * users see everything; an agent who was offered it sees its first name, message and source;
 * anyone else cannot see it at all.
 */
export function leadAccess(
  viewer: { id: number; role: 'ADMIN' | 'AGENT' },
  lead: { ownerId: number | null },
  relation: { isUser: boolean; wasOffered: boolean },
): LeadAccess {
  if (viewer.role === 'ADMIN' || lead.ownerId === viewer.id || relation.isUser) return 'FULL';
  return relation.wasOffered ? 'LIMITED' : 'NONE';
}

// The routing rules as pure functions over plain data: who may be offered a lead, in what order,
// and who is offered it in the next round. No I/O and no clock: `now` is passed in.
import { localTime, withinHours, type LocalTime, type WeeklyHours } from './local-time.js';
import { matchesArea } from './service-areas.js';
import { pickWeightedHead, type WeightedAgent } from './weighted-rotation.js';

export type RoutingReason =
  | 'OFFERED' | 'ALREADY_OFFERED' | 'HALTED' | 'OUT_OF_OFFICE' | 'INACTIVE' | 'NOT_IN_OFFICE'
  | 'NOT_IN_LEAD_GROUP' | 'WAITING' | 'OUTSIDE_HOURS' | 'AT_CAPACITY' | 'NOT_IN_AREA';

/** What routing needs to know of an agent. */
export interface AgentSnapshot {
  readonly id: number;
  readonly active: boolean;
  readonly inOffice: boolean;
  readonly officeIds: readonly number[];
  readonly haltedAt: number | null;
  /** null with haltedAt set: halted until resumed. */
  readonly haltUntil: number | null;
  /** The agent's IANA time zone (theirs, else the company's). Left out: UTC. */
  readonly timeZone?: string;
  /** Weekly working hours in that zone (compileWorkingHours); null or left out: always available. */
  readonly hours?: WeeklyHours | null;
  /** 1..100; left out: 1. */
  readonly routingWeight?: number;
  /** GENERAL leads the agent may win per local day; null or left out: no cap. */
  readonly dailyLeadCap?: number | null;
  /** Normalised postal codes or prefixes (normalizeArea); left out or empty: serves no area. */
  readonly serviceAreas?: readonly string[];
}

/**
 * What a round knows beyond the roster and the source. Built once per round (roundContext): it
 * memoises each zone's local time for `now`, so a roster of 1,000 agents in two zones reads the
 * zone data twice, not 1,000 times.
 */
export interface RoundContext {
  readonly now: number;
  /** GENERAL leads won today (local day) per capped agent; null: no agent has a cap. */
  readonly winsToday: ReadonlyMap<number, number> | null;
  /** The lead's normalised postal code when the service-area rule applies to this round, else null. */
  readonly postalCode: string | null;
  /** Local time per zone at `now` (filled as zones are met). */
  readonly local: Map<string, LocalTime>;
}

export function roundContext(now: number, winsToday: ReadonlyMap<number, number> | null = null, postalCode: string | null = null): RoundContext {
  return { now, winsToday, postalCode, local: new Map() };
}

function localNow(ctx: RoundContext, zone: string): LocalTime {
  let t = ctx.local.get(zone);
  if (!t) {
    t = localTime(zone, ctx.now);
    ctx.local.set(zone, t);
  }
  return t;
}

/** The most agents one round may offer a lead to (a source's raceAgentCount). */
export const MAX_RACE_AGENT_COUNT = 50;

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
  ctx: RoundContext | null = null,
): RoutingReason | null {
  if (!agent.active) return 'INACTIVE';
  if (source.officeIds.length > 0 && !agent.officeIds.some((o) => source.officeIds.includes(o))) return 'NOT_IN_OFFICE';
  if (source.leadGroupMemberIds !== null && !source.leadGroupMemberIds.has(agent.id)) return 'NOT_IN_LEAD_GROUP';
  if (alreadyOffered.has(agent.id)) return 'ALREADY_OFFERED';
  if (isHalted(agent, now)) return 'HALTED';
  if (!agent.inOffice) return 'OUT_OF_OFFICE';
  if (ctx === null) return null;
  if (agent.hours && !withinHours(agent.hours, localNow(ctx, agent.timeZone ?? 'UTC'))) return 'OUTSIDE_HOURS';
  if (agent.dailyLeadCap != null && ctx.winsToday !== null && (ctx.winsToday.get(agent.id) ?? 0) >= agent.dailyLeadCap) return 'AT_CAPACITY';
  if (ctx.postalCode !== null && !matchesArea(agent.serviceAreas ?? [], ctx.postalCode)) return 'NOT_IN_AREA';
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
  /** Every agent considered, in distribution-list order, with the reason (tuples shared between plans: tuplesOf). */
  decisions: (readonly [agentId: number, reason: RoutingReason])[];
  /** listHead of the same list: its first agent eligible were nobody offered the lead yet (or null). */
  head: number | null;
}

const NOBODY: ReadonlySet<number> = new Set();

type Decision = RoundPlan['decisions'][number];

/** Each reason's place in an agent's row of decisionTuples. */
const REASON_SLOT: Readonly<Record<RoutingReason, number>> = {
  OFFERED: 0, ALREADY_OFFERED: 1, HALTED: 2, OUT_OF_OFFICE: 3, INACTIVE: 4, NOT_IN_OFFICE: 5,
  NOT_IN_LEAD_GROUP: 6, WAITING: 7, OUTSIDE_HOURS: 8, AT_CAPACITY: 9, NOT_IN_AREA: 10,
};

const SLOTS = 11;

/** Per roster snapshot (as planRound walks it, in id order): its agents' decision tuples, SLOTS per agent. */
const decisionTuples = new WeakMap<readonly AgentSnapshot[], (Decision | undefined)[]>();

/**
 * A plan's decisions [agentId, reason] are values, so each is made once per roster snapshot, agent and
 * reason and shared by every plan from that snapshot (readonly tuples: nobody may change one under
 * another plan; not frozen, which V8 then destructures three times slower). A round over 1,000 agents
 * made 1,000 new tuples, about 115 KB of the 470 KB the server allocated per lead in the speed benchmark
 * (a sampling heap profile of its measured phase, PostgreSQL), and every such burst brought the next
 * minor GC nearer. A snapshot's tuples go with it when the roster changes.
 */
function tuplesOf(sorted: readonly AgentSnapshot[]): (Decision | undefined)[] {
  let tuples = decisionTuples.get(sorted);
  if (tuples === undefined) decisionTuples.set(sorted, tuples = new Array<Decision | undefined>(sorted.length * SLOTS));
  return tuples;
}

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
  ctx: RoundContext | null = null,
): RoundPlan {
  const offered: number[] = [];
  const decisions: RoundPlan['decisions'] = new Array(agents.length);
  let head: number | null = null;
  const { sorted, start } = distributionStart(agents, anchor);
  // Shared only for the roster given (the cached one, kept between rounds and already in id order): a
  // copy sorted here lives for this plan alone, and a table of its tuples would be made for nothing.
  const tuples = sorted === agents ? tuplesOf(sorted) : null;
  const decision = (i: number, reason: RoutingReason): Decision => {
    const id = (sorted[i] as AgentSnapshot).id;
    return tuples ? (tuples[i * SLOTS + REASON_SLOT[reason]] ??= [id, reason]) : [id, reason];
  };
  for (let k = 0; k < sorted.length; k++) {
    const i = start + k < sorted.length ? start + k : start + k - sorted.length;
    const agent = sorted[i] as AgentSnapshot;
    const excluded = exclusionReason(agent, source, alreadyOffered, now, ctx);
    // The head in the same pass (one sort and one check per agent, not two).
    if (head === null && (excluded === null
      || (excluded === 'ALREADY_OFFERED' && exclusionReason(agent, source, NOBODY, now, ctx) === null))) head = agent.id;
    if (excluded) {
      decisions[k] = decision(i, excluded);
    } else if (offered.length < source.raceAgentCount) {
      offered.push(agent.id);
      decisions[k] = decision(i, 'OFFERED');
    } else {
      decisions[k] = decision(i, 'WAITING');
    }
  }
  return { offered, decisions, head };
}

/**
 * The round `plan` would have been had it been planned from its own head as the anchor: what a new
 * lead's first round gives when another round moved the source's rotation there first. Every agent keeps
 * their reason (none depends on where the list starts: the time, caps, halts and the area rule are the
 * same), the list starts after the head, and its first `raceAgentCount` eligible agents are offered the
 * lead. Null for a plan with nobody eligible, or with an agent offered the lead already (a later round,
 * whose head is not its first eligible agent). Equal to planLeadRound from that anchor, without a
 * second pass over the roster (test/domain/routing-properties.test.ts).
 */
export function planFromHead(plan: RoundPlan, raceAgentCount: number): RoundPlan | null {
  const d = plan.decisions;
  const at = plan.head === null ? -1 : d.findIndex(([id]) => id === plan.head);
  if (at < 0) return null;
  const decisions: RoundPlan['decisions'] = new Array(d.length);
  const offered: number[] = [];
  let head: number | null = null;
  for (let k = 0; k < d.length; k++) {
    const i = at + 1 + k < d.length ? at + 1 + k : at + 1 + k - d.length;
    const kept = d[i] as Decision;
    const [id, reason] = kept;
    if (reason === 'ALREADY_OFFERED') return null;
    const eligible = reason === 'OFFERED' || reason === 'WAITING';
    if (!eligible) {
      decisions[k] = kept;
      continue;
    }
    if (head === null) head = id;
    // The plan's own tuple where the reason stays (most agents keep WAITING), a new one where it changes.
    const now: RoutingReason = offered.length < raceAgentCount ? 'OFFERED' : 'WAITING';
    if (now === 'OFFERED') offered.push(id);
    decisions[k] = now === reason ? kept : [id, now];
  }
  return { offered, decisions, head };
}

/** What a roster needs beyond the basic rules, worked out once per roster snapshot (it is shared and never changed). */
interface RosterTraits {
  /** Agents with a daily cap: their wins today are read only when there are some. */
  cappedIds: readonly number[];
  /** Some agent's weight is not 1: heads are chosen by weight (pickWeightedHead), not by id rotation. */
  weighted: boolean;
}

const traitsOf = new WeakMap<readonly AgentSnapshot[], RosterTraits>();

export function rosterTraits(roster: readonly AgentSnapshot[]): RosterTraits {
  let t = traitsOf.get(roster);
  if (!t) {
    t = {
      cappedIds: roster.filter((a) => a.active && a.dailyLeadCap != null).map((a) => a.id),
      weighted: roster.some((a) => a.active && (a.routingWeight ?? 1) !== 1),
    };
    traitsOf.set(roster, t);
  }
  return t;
}

/** A source's rules for a lead's rounds (SourceRules and the service-area rule). */
export type LeadSourceRules = Pick<SourceRules, 'officeIds' | 'leadGroupMemberIds' | 'raceAgentCount'> & {
  /** A lead with a postal code is offered only to agents serving it… */
  matchServiceArea: boolean;
  /** …for this many rounds (null: every round). */
  widenAfterRounds: number | null;
};

export interface LeadRoundInput {
  roster: readonly AgentSnapshot[];
  source: LeadSourceRules;
  alreadyOffered: ReadonlySet<number>;
  /** The lead's anchor; on its first round, the source's (0: from the lowest id). */
  anchor: number;
  /** A first round picks the list's head (and moves the source's rotation). */
  firstRound: boolean;
  /** The round being planned, from 1. */
  round: number;
  /** The lead's postal code, normalised (normalizePostal), or null. */
  postalCode: string | null;
  /** GENERAL leads won today per capped agent; null when none is capped (rosterTraits). */
  winsToday: ReadonlyMap<number, number> | null;
  /** The source's weighted-rotation credits; read for a first round when the roster is weighted. */
  credits: ReadonlyMap<number, number> | null;
  now: number;
}

export interface LeadRoundPlan extends RoundPlan {
  /** The lead's anchor for this and later rounds (a weighted first round starts the list at its head). */
  anchor: number;
  /** The source's new credits, to save: a weighted first round only; null otherwise. */
  credits: Map<number, number> | null;
  /** The service-area rule applied to the lead, but not to this round (widened, or nobody in the area). */
  widened: boolean;
}

/**
 * The one planning function of a general lead's round: used by the real round (startNextRound), by
 * nextUp and by routingPreview, so the preview is what the round would do.
 * - Service areas: while they apply (matchServiceArea, a postal code, round <= widenAfterRounds) only
 *   agents serving the code are offered it (NOT_IN_AREA). A round that would offer nobody under the
 *   rule is planned without it, so a lead is never left unassigned because nobody serves its area.
 * - Weights: with every eligible weight 1, the head is the first eligible agent after the anchor (the
 *   id rotation, unchanged). Otherwise a first round's head is picked by pickWeightedHead among the
 *   agents eligible now, and the list goes on in id order after them.
 */
export function planLeadRound(input: LeadRoundInput): LeadRoundPlan {
  const { roster, source, alreadyOffered, now } = input;
  const areaRule = source.matchServiceArea && input.postalCode !== null
    && (source.widenAfterRounds === null || input.round <= source.widenAfterRounds);
  const planWith = (ctx: RoundContext): Omit<LeadRoundPlan, 'widened'> => {
    let anchor = input.anchor;
    let credits: Map<number, number> | null = null;
    if (input.firstRound && rosterTraits(roster).weighted) {
      const eligible: WeightedAgent[] = [];
      for (const a of roster) {
        if (exclusionReason(a, source, NOBODY, now, ctx) === null) eligible.push({ id: a.id, weight: a.routingWeight ?? 1 });
      }
      eligible.sort((a, b) => a.id - b.id);
      // Every eligible weight 1: the plain rotation, exactly as without weights.
      if (eligible.some((a) => a.weight !== 1)) {
        const pick = pickWeightedHead(eligible, input.credits ?? new Map());
        if (pick) {
          anchor = pick.head - 1;
          credits = pick.credits;
        }
      }
    }
    return { ...planRound(roster, source, alreadyOffered, anchor, now, ctx), anchor, credits };
  };
  if (areaRule) {
    const inArea = planWith(roundContext(now, input.winsToday, input.postalCode));
    if (inArea.offered.length > 0) return { ...inArea, widened: false };
  }
  const wide = planWith(roundContext(now, input.winsToday, null));
  return { ...wide, widened: source.matchServiceArea && input.postalCode !== null };
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

// The store port: what services may ask of the database, whichever one it is. One interface per
// store, named for the use case (claimOffer, expireDueOffers), every method returning a Promise, so
// that a PostgreSQL client (asynchronous) can stand where SQLite (better-sqlite3, synchronous) does.
// Implementations: src/store/sqlite/ and src/store/postgres/. Rows are in rows.ts.
//
// Transactions carry their stores: inside `store.transaction(async (tx) => ...)` every read and
// write goes through `tx` (tx.leads.insertLead(...)), never through the outer `store`. On PostgreSQL
// the outer store is another connection (it would not see the transaction's rows, and could wait on
// its locks); on SQLite it waits for the transaction to end, so calling it inside one never returns.
// A `tx` is good until its callback's promise settles: a call after that is refused.
import type { PhoneRegion } from '../domain/phone.js';
import type { AgentSnapshot } from '../domain/routing.js';
import type { Decisions } from './routing-decisions.js';
import type {
  LeadContactRow, NewLeadContact, LeadEventRow, LeadGroupRow, LeadPatch, LeadRow, LeadSourcePatch, LeadSourceRow, LeadSourceWithOffices, NewApiToken, NewLead,
  NewLeadEvent, NewLeadSource, NewNotification, NewOffer, NewUser, NotificationChannel, NotificationRow, OfficeRow,
  OfferRow, Role,
  SettingsPatch, SettingsRow, StatusCodeRow, TagRow, UserPatch, UserRow,
  NewWebhook, NewWebhookDelivery, WebhookDeliveryRow, WebhookRow,
} from './rows.js';
import type { StatsRange } from './lead-stats-rules.js';

/** A routing round as stored: each agent considered, in distribution-list order, with why. */
export interface RoutingRound {
  round: number;
  at: Date;
  decisions: Decisions;
}

/** A lead source's round-robin state: its pointer (the head of its last general lead's list) and its weighted credits (JSON). */
export interface Rotation {
  anchor: number | null;
  credits: string | null;
  /**
   * Where this state stands among the source's rotation states, where the store knows it: a larger
   * `version` (decimal digits) is a later state. PostgreSQL gives the WAL position at which the state was
   * read or written under the source row's lock (rotation hints between instances are ordered by it:
   * routing-service.ts rotationHeard); absent from an unlocked read and on SQLite. Not compared by
   * writeRound, which compares anchor and credits.
   */
  version?: string;
}

/**
 * The error of a first round refused as it was written and committed (RoundWrite.commit): nothing was
 * written, and the store runs the transaction again. `rotationNow` is the rotation as the refusal found
 * it, when the store read it (under the source row's lock), or null: the run after it plans from there.
 */
export interface RotationRefusal {
  readonly rotationNow: Rotation | null;
}

/** The rotation a refused first round found (RotationRefusal), or null for any other error. */
export function rotationAtRefusal(err: unknown): Rotation | null {
  const now = err !== null && typeof err === 'object' ? (err as Partial<RotationRefusal>).rotationNow : undefined;
  return now ?? null;
}

/**
 * This process's first rounds of one source are planned one after another, each from the rotation the
 * one before it left (`read` is the previous round's `next`), without waiting for that one's commit. A
 * round's ticket names it (`mine`) and the round it was planned after (`after`, null when none of this
 * process's rounds of the source may still be open). Unique within the process.
 */
export interface RotationTicket {
  mine: number;
  after: number | null;
}

/**
 * A lead not written yet, written by writeRound with its first round: on PostgreSQL its insert then
 * rides in the round's statement instead of costing a round trip of its own.
 */
export interface LeadToInsert {
  insert: NewLead;
}

/** What LeadStore.writeRound writes. */
export interface RoundWrite {
  /** The round's lead: as this transaction last read or wrote it, or a new lead to insert with the round. */
  lead: LeadRow | LeadToInsert;
  /** What the round changes on the lead (its other columns are as `lead` has them). */
  patch: Pick<LeadPatch, 'state' | 'round' | 'routingAnchor'>;
  round: number;
  at: Date;
  decisions: Decisions;
  /** The round's offers, of its lead. */
  offers: Omit<NewOffer, 'leadId'>[];
  /**
   * A lead's first general round: the source's rotation as the round was planned from it (`read`) and
   * what it becomes (`next`). The round commits only if the rotation is still `read` when it is
   * checked and moved, under the source row's lock, held until the transaction ends (writeRound).
   */
  rotation: { sourceId: number; read: Rotation; next: Rotation; ticket?: RotationTicket } | null;
  /**
   * The same first round planned from rotations it may find instead of `rotation.read`: where other
   * instances' rounds would have moved it in the meantime (several instances, RoundAlternative). The
   * store writes the first of the round and its alternatives planned from the rotation it finds under
   * the source row's lock; only when none was does it refuse the round (`moved`, RotationRefusal).
   * Only for a new lead's first round checked as it is written (no ticket), with a rotation whose
   * credits the round leaves as they are (an unweighted roster).
   */
  alternatives?: RoundAlternative[];
  /** Events of the transaction not written yet, each of the lead it names: written first. */
  events: NewLeadEvent[];
  /**
   * The round's lead's own events, written next (a new lead has no id to name yet); then each offer
   * gets an OFFERED event, in offer order, at `at`.
   */
  leadEvents: Omit<NewLeadEvent, 'leadId'>[];
  /**
   * Outbox rows of the round's offers, composed before the round was written: each is written for the
   * round's offer to its `userId`, with that offer's id and lead.
   */
  messages?: RoundMessage[];
  /**
   * Nothing more is written in this transaction after the round: a store may commit the transaction
   * with it (PostgreSQL sends the COMMIT in the round's own round trip; SQLite ignores it). Committed so,
   * the transaction's stores refuse every later statement, and its commit is answered at once. A
   * rotation found moved then writes nothing and fails the transaction with a RotationRefusal, which the
   * store runs again (its round planned from the refusal's rotationNow; after a second refusal it checks
   * at once, where `moved` is returned as usual).
   */
  commit?: boolean;
}

/**
 * A first round as it would be had the source's rotation moved on to `from` before it was written: what
 * planning it again from there after a refusal would give (the same roster, caps and time), made before
 * the write instead, so that the round is written in its one round trip. Its lead's state, events and
 * messages are the round's own: only who is offered it, the decisions and the anchors differ. Messages
 * (RoundWrite.messages) are composed for the agents of the round and of every alternative; those of
 * the agents the written one offers are written.
 */
export interface RoundAlternative {
  /** The source's anchor it was planned from (its credits are rotation.read's). */
  from: number | null;
  /** The source's anchor after it. */
  next: number | null;
  /** The lead's routingAnchor with it (RoundWrite.patch's otherwise). */
  routingAnchor: number;
  decisions: Decisions;
  offers: Omit<NewOffer, 'leadId'>[];
}

/** An outbox row of a round's offer to `userId`, written by writeRound with the offer's id and lead. */
export type RoundMessage = Omit<NewNotification, 'leadId' | 'offerId' | 'userId'> & { userId: number };

/** A round as writeRound wrote it. */
export interface WrittenRound {
  /** The version (Rotation.version) of the rotation the round left, where the store knows it. */
  rotationVersion?: string;
  /** Which of RoundWrite.alternatives was written (its index); absent: the round as planned. */
  alternative?: number;
  lead: LeadRow;
  offers: OfferRow[];
  events: LeadEventRow[];
  /** The outbox rows of RoundWrite.messages, as written, in id order. */
  messages: NotificationRow[];
}

/**
 * A next round of a lead routed before, as LeadStore.writeRounds writes it: a round of writeRound's with
 * no rotation (not the lead's first general round), alternatives, messages or commit.
 */
export type NextRoundWrite = Pick<RoundWrite, 'patch' | 'round' | 'decisions' | 'offers' | 'leadEvents'> & { lead: LeadRow };

/** A lead locked by lockLeadsWithPending, with what deciding its next round needs. */
export interface LockedLead {
  lead: LeadRow;
  /** Its offers still PENDING. */
  pending: number;
  /** Every agent ever offered it, in any round. */
  offered: ReadonlySet<number>;
  /** Its users (lead_users), ascending: with its owner, who hears its events (a deadline pass announces them without reading them back). */
  userIds: number[];
}

/** Leads, offers, lead events and routing rounds: the routing engine's store. */
export interface LeadStore {
  /** The source's round-robin pointer moves to this agent (the head of its latest general lead's list). */
  setSourceAnchor(sourceId: number, agentId: number): Promise<void>;
  /**
   * The source's rotation as committed now: what a first round plans from when its process has not
   * written the source's rotation yet. With `lock`, the source row stays locked until the transaction
   * ends (PostgreSQL; SQLite has one writer anyway). Routing does not lock here (writeRound's refusal
   * returns the rotation locked); the store suite uses it to check the lock's order against a lead's
   * foreign key.
   */
  readRotation(sourceId: number, lock?: boolean): Promise<Rotation>;
  /**
   * Every GENERAL lead (an accepted offer that was not direct) these agents won at or after `since`:
   * who and when (ms). What daily caps count; read only when some agent has a cap.
   */
  generalWinsSince(agentIds: readonly number[], since: Date): Promise<{ agentId: number; at: number }[]>;
  /** Every agent as routing sees them, in id order; shared by every round, so never to be changed. */
  loadRoster(): Promise<readonly AgentSnapshot[]>;
  findLead(id: number): Promise<LeadRow | null>;
  /**
   * The lead, for a change that decides from what it reads: on PostgreSQL its row stays locked until
   * the transaction ends, so a change made meanwhile on another instance (an accept, an admin's
   * reassignment) waits, and this one reads it committed. The lock every change of a lead takes
   * first (lead, then its offers, then its source's rotation), so two changes never deadlock.
   */
  lockLead(id: number): Promise<LeadRow | null>;
  /** The leads of these ids that exist, in no particular order. */
  findLeads(ids: readonly number[]): Promise<LeadRow[]>;
  /**
   * The source's lead with this external id. In a transaction, on PostgreSQL, it first waits for every
   * other open transaction that asked for the same one, so a lead sent again while its first copy is
   * being written finds that copy once it commits, rather than racing it to the unique index (and a first
   * round whose rotation is checked at the commit could then wait for a round waiting for it: writeRound).
   */
  findLeadByExternalId(sourceId: number, externalId: string): Promise<LeadRow | null>;
  insertLead(row: NewLead): Promise<LeadRow>;
  /** The lead after the patch; throws when it does not exist (it is changed inside its own transaction). */
  updateLead(id: number, patch: LeadPatch): Promise<LeadRow>;
  findOffer(id: number): Promise<OfferRow | null>;
  /** Every agent ever offered the lead, in any round. */
  offeredAgentIds(leadId: number): Promise<Set<number>>;
  /**
   * The leads of these ids that exist, each locked as lockLead locks one, with its number of PENDING
   * offers and every agent ever offered it (offeredAgentIds: what its next round leaves out), in id
   * order (one statement on PostgreSQL: a batch of expired offers asks this of all its leads at once,
   * and the id order is the one lock order two such batches can share).
   */
  lockLeadsWithPending(ids: readonly number[]): Promise<LockedLead[]>;
  insertOffers(rows: NewOffer[]): Promise<OfferRow[]>;
  /**
   * The race: one conditional statement decides the winner. It changes the offer only while it is
   * PENDING and its window has not closed, so of many simultaneous accepts exactly one gets a row.
   */
  claimOffer(offerId: number, agentId: number, now: Date): Promise<OfferRow | null>;
  /** Same shape as claimOffer: only a PENDING offer inside its window can be declined. */
  declineOffer(offerId: number, agentId: number, now: Date): Promise<OfferRow | null>;
  /** After a win: every other PENDING offer of the lead becomes TAKEN. */
  takeOtherOffers(leadId: number, now: Date): Promise<OfferRow[]>;
  /** Every PENDING offer of the agent, now EXPIRED whatever its window (the agent was deactivated). */
  expireOffersOfAgent(agentId: number, now: Date): Promise<OfferRow[]>;
  /** The agent's PENDING offer of the lead, now ACCEPTED (an admin made them its owner), or null. */
  acceptOfferFor(leadId: number, agentId: number, now: Date): Promise<OfferRow | null>;
  /** PENDING offers whose window has closed, oldest deadline first, at most `limit`, now EXPIRED. */
  expireDueOffers(now: Date, limit: number): Promise<OfferRow[]>;
  /**
   * expireDueOffers, then lockLeadsWithPending of the expired offers' leads (after the expiry: their
   * pending counts leave the expired offers out): how a deadline pass starts. On PostgreSQL one round trip,
   * two statements each with its own snapshot, where a pass waited for the answer of each in turn.
   */
  expireDueOffersLocking(now: Date, limit: number): Promise<{ expired: OfferRow[]; locked: LockedLead[] }>;
  /** The earliest deadline of any PENDING offer (ms), or null: what the scheduler arms for. */
  earliestPendingDeadline(): Promise<number | null>;
  /**
   * earliestPendingDeadline and earliestContactDeadline together, read at once: what the scheduler
   * arms for after a pass (one statement on PostgreSQL instead of two).
   */
  earliestDeadlines(): Promise<{ offer: number | null; contact: number | null }>;
  /**
   * Claims up to `limit` leads whose contact deadline has passed at `now` (oldest first) and clears
   * their deadline, so each is claimed once: on PostgreSQL the rows are taken FOR UPDATE SKIP LOCKED
   * and stay locked until the transaction ends (another instance's pass skips them). The leads as
   * they were (owner and state unchanged): the caller reclaims those still ASSIGNED.
   */
  claimDueContactDeadlines(now: Date, limit: number): Promise<LeadRow[]>;
  /**
   * The lead's live ACCEPTED offer is marked reclaimed (its owner lost the lead): it stays ACCEPTED,
   * and another offer of the lead may now be accepted. The marked offer, or null when there is none.
   */
  markAcceptedOfferReclaimed(leadId: number, now: Date): Promise<OfferRow | null>;
  /** The earliest contact deadline of any lead (ms), or null: the scheduler arms for it too. */
  earliestContactDeadline(): Promise<number | null>;
  /**
   * A returning client: the newest lead (of any source) with this email or this phone, among those
   * whose owner is an active user, with that owner; null when there is none. Exact match: intake
   * stores emails lower-cased and phones in E.164. Read through the leads_email_id and leads_phone_id
   * indexes, newest first, never a scan of the leads table.
   */
  findRepeatOwner(email: string | null, phone: string | null): Promise<{ leadId: number; ownerId: number } | null>;
  insertEvents(rows: NewLeadEvent[]): Promise<LeadEventRow[]>;
  insertRoutingRound(leadId: number, round: number, at: Date, decisions: Decisions): Promise<void>;
  /**
   * A general round as one write: its decisions (insertRoutingRound), its offers (insertOffers, in
   * order), the lead's patch, the events (`events`, `leadEvents`, then an OFFERED event per offer) and,
   * for a first round, the source's new rotation. `lead` is the row as this transaction last read or
   * wrote it, or a new lead (`insert`) written first, with the patch; the result has the lead with the
   * patch. When `rotation` is given and the source's rotation is no longer
   * `rotation.read` (another lead of the source took its turn since it was read), nothing is written
   * and the result is `moved`: the rotation as it is now, locked until the transaction ends, so a round
   * planned again from it is not refused.
   *
   * With a `rotation.ticket`, a store whose transactions run at once (PostgreSQL) may instead write the
   * round now and check the rotation in the transaction's commit, after the transaction of the ticket's
   * `after` round has ended: the source row is then locked only while the commit runs, not for the
   * transaction's round trips, which held up the source's next lead on every instance. Found moved there,
   * the transaction does not commit, and the store runs it again from the start, checking at once (the
   * `moved` result) that time. So a change that writes a first round may run more than once; nothing it
   * does but its writes may count on running once.
   */
  writeRound(write: RoundWrite): Promise<WrittenRound | { moved: Rotation }>;
  /**
   * Next rounds of several leads at once, as writeRound writes each (`rounds`, in order, each of its own
   * lead, all at `at`), the transaction's unwritten `events` first: a deadline pass whose expiries ended
   * several leads' rounds. One statement on PostgreSQL, where each round alone is a round trip and a pass
   * waits for each in turn. The rounds as written, in order; the `events` come back with the first.
   */
  writeRounds(at: Date, events: NewLeadEvent[], rounds: readonly NextRoundWrite[]): Promise<WrittenRound[]>;
  /**
   * Whether a first round written now with a rotation ticket would be checked at the commit (writeRound);
   * if not, it is checked as it is written, under the source row's lock, and the round planned after it
   * should wait for that (routing-service.ts holds the source's planning turn until writeRound returns).
   */
  checksRotationAtCommit(): Promise<boolean>;
  /** One round's decisions as stored (routing-decisions.ts), or null: what the round's log line counts. */
  routingRoundDecisions(leadId: number, round: number): Promise<string | null>;
  /** The lead's rounds in order: all of them, only round `only`, or only the latest ('LAST'). */
  routingRounds(leadId: number, only?: number | 'LAST' | null): Promise<RoutingRound[]>;
  offersOfLead(leadId: number): Promise<OfferRow[]>;
  eventsOfLead(leadId: number): Promise<LeadEventRow[]>;
  /** The agent's PENDING offers still inside their window, oldest first. */
  pendingOffersOfAgent(agentId: number, now: Date): Promise<OfferRow[]>;
  userIdsOfLead(leadId: number): Promise<number[]>;
  /** The leads of these ids that exist, each with its users' ids (ascending): what a change announces. */
  leadsWithUsers(ids: readonly number[]): Promise<{ lead: LeadRow; userIds: number[] }[]>;
  /** Whether the agent is a user of the lead, and whether they were ever offered it (access checks). */
  relationOf(leadId: number, agentId: number): Promise<{ isUser: boolean; wasOffered: boolean }>;
  /** Leads routing with no PENDING offer (a crash between rounds): resumed at start, newest first. */
  stalledRoutingLeads(): Promise<LeadRow[]>;
}

/** The users of a lead (lead_users): what only working a lead needs. */
export interface LeadWorkStore {
  /** True when the user was added; false when they already were a user of the lead. */
  addLeadUser(leadId: number, userId: number): Promise<boolean>;
  /** True when the user was removed; false when they were not a user of the lead. */
  removeLeadUser(leadId: number, userId: number): Promise<boolean>;
  /** Removes every user of the lead; returns who they were. */
  clearLeadUsers(leadId: number): Promise<number[]>;
  /** Records a contact with the lead's client (logContact). */
  insertContact(row: NewLeadContact): Promise<LeadContactRow>;
  /** The lead's logged contacts, oldest first. */
  contactsOfLead(leadId: number): Promise<LeadContactRow[]>;
}

/** The user a bearer token belongs to, and the token's id and last recorded use (ms, or null). */
export interface TokenHolder { id: number; role: Role; tokenId: number; lastUsedAt: number | null }

/** What the token list shows of a token: never its value or hash. */
export interface ApiTokenRow { id: number; label: string | null; createdAt: Date; lastUsedAt: Date | null }

/** Users, their offices and tags, and API tokens. */
export interface IdentityStore {
  /** The active user holding a live token (by its hash: not revoked, not expired at `now`), with the token's id and last use. */
  findViewerByTokenHash(hash: string, now: Date): Promise<TokenHolder | null>;
  /** The new token's id. */
  insertToken(row: NewApiToken): Promise<number>;
  /** A user's API tokens that still work (not revoked), oldest first. */
  listApiTokens(userId: number): Promise<ApiTokenRow[]>;
  /**
   * Revokes an API token (not a login session). 'REVOKED' with its user when this call revoked it,
   * 'ALREADY' when it was revoked before, null when there is no such API token.
   */
  revokeApiToken(id: number, now: Date): Promise<{ outcome: 'REVOKED' | 'ALREADY'; userId: number } | null>;
  /** Writes a batch of last uses (token id to ms) in one transaction; a use never moves one back. */
  recordTokenUses(uses: ReadonlyMap<number, number>): Promise<void>;
  deleteSession(hash: string): Promise<void>;
  tokenExists(hash: string): Promise<boolean>;
  findUser(id: number): Promise<UserRow | null>;
  findUserByEmail(email: string): Promise<UserRow | null>;
  findUserByHandle(handle: string): Promise<UserRow | null>;
  handleTaken(handle: string): Promise<boolean>;
  findUsers(ids: readonly number[]): Promise<UserRow[]>;
  listUsers(): Promise<UserRow[]>;
  anyAdmin(): Promise<boolean>;
  insertUser(row: NewUser): Promise<UserRow>;
  /** The user after the patch (unchanged for an empty one), or null when there is no such user. */
  updateUser(id: number, patch: UserPatch): Promise<UserRow | null>;
  setUserOffices(userId: number, officeIds: readonly number[]): Promise<void>;
  /**
   * Counts offers that expired unanswered: each agent's streak grows by how often they appear in
   * `agentIds`; returns every such agent's streak after it. (Not a roster field: the roster stays cached.)
   */
  addMissedOffers(agentIds: readonly number[]): Promise<Map<number, number>>;
  /**
   * As addMissedOffers, for a caller that needs no streaks back. Where the store can (PostgreSQL, in a
   * transaction's own context), the update goes with the transaction's COMMIT: no round trip of its own,
   * and the agents' rows are locked only while the COMMIT runs, so that deadline passes expiring offers
   * of the same agents at once do not wait for each other's whole transaction.
   */
  addMissedOffersAtCommit(agentIds: readonly number[]): Promise<void>;
  /** The agent answered (or was halted or resumed): their streak of missed offers starts again from 0. */
  clearMissedOffers(agentId: number): Promise<void>;
  setUserTags(userId: number, tagIds: readonly number[]): Promise<void>;
  /** Office ids per user, for a batch of users (one query: the DataLoader behind User.offices). */
  officeIdsOfUsers(userIds: readonly number[]): Promise<Map<number, number[]>>;
  tagsOfUsers(userIds: readonly number[]): Promise<Map<number, TagRow[]>>;
}

/** Offices, tags, lead groups and the company settings row. */
export interface OrgStore {
  insertOffice(name: string): Promise<OfficeRow>;
  findOfficeByName(name: string): Promise<OfficeRow | null>;
  listOffices(): Promise<OfficeRow[]>;
  findOffices(ids: readonly number[]): Promise<OfficeRow[]>;
  insertTag(name: string): Promise<TagRow>;
  findTagByName(name: string): Promise<TagRow | null>;
  listTags(): Promise<TagRow[]>;
  findTags(ids: readonly number[]): Promise<TagRow[]>;
  insertLeadGroup(name: string): Promise<LeadGroupRow>;
  updateLeadGroupName(id: number, name: string): Promise<void>;
  findLeadGroup(id: number): Promise<LeadGroupRow | null>;
  findLeadGroupByName(name: string): Promise<LeadGroupRow | null>;
  listLeadGroups(): Promise<LeadGroupRow[]>;
  findLeadGroups(ids: readonly number[]): Promise<LeadGroupRow[]>;
  setLeadGroupMembers(groupId: number, userIds: readonly number[]): Promise<void>;
  memberIdsOfGroups(groupIds: readonly number[]): Promise<Map<number, number[]>>;
  getSettings(): Promise<SettingsRow>;
  updateSettings(patch: SettingsPatch): Promise<SettingsRow>;
  /** Stores `candidate` as the offer links' secret unless one is stored already; returns the one stored. */
  keepActionLinkSecret(candidate: string): Promise<string>;
}

/** Lead sources and the offices they route to. */
export interface SourceStore {
  findSource(id: number): Promise<LeadSourceWithOffices | null>;
  findSourceByPublicKey(key: string): Promise<LeadSourceWithOffices | null>;
  publicKeyTaken(key: string): Promise<boolean>;
  /** Every source by name, with their offices. */
  listSources(): Promise<LeadSourceWithOffices[]>;
  insertSource(row: NewLeadSource, officeIds: readonly number[]): Promise<LeadSourceWithOffices>;
  /** Applies the patch; officeIds null leaves the offices as they are. Null: no such source. */
  updateSource(id: number, patch: LeadSourcePatch, officeIds: readonly number[] | null): Promise<LeadSourceWithOffices | null>;
}

/** Built-in sources the server makes for itself on first use ("Forwarded email"), found by name. */
export interface IntakeSourceStore {
  /** The oldest source with this name, created with `defaults` if there is none (once, however many ask at once). */
  ensureSource(name: string, defaults: Partial<Omit<NewLeadSource, 'name' | 'publicKey'>>): Promise<LeadSourceRow>;
  /** The id of the source's lead with this external id made for this target user, if any. */
  findLeadIdFor(sourceId: number, externalId: string, targetUserId: number): Promise<number | null>;
}

/** Status codes: the ordered list a lead's status is chosen from, with exactly one default. */
export interface StatusStore {
  /** The code new leads get; null only on a database that was never seeded. */
  defaultStatusCodeId(): Promise<number | null>;
  findStatusCode(id: number): Promise<StatusCodeRow | null>;
  listStatusCodes(includeArchived: boolean): Promise<StatusCodeRow[]>;
  /** A non-archived code with this name, other than `exceptId`. */
  findActiveByName(name: string, exceptId?: number): Promise<StatusCodeRow | null>;
  /** Appends a code after every other one. */
  insertStatusCodeLast(name: string): Promise<StatusCodeRow>;
  updateStatusCode(id: number, patch: { name?: string; archived?: boolean }): Promise<void>;
  /** Makes `id` the one default. Run inside a transaction so there is never zero or two. */
  makeDefault(id: number): Promise<void>;
  /** Positions become 1..n in the order given. */
  setPositions(idsInOrder: readonly number[]): Promise<void>;
}

export interface LeadListFilter {
  state?: 'ROUTING' | 'ASSIGNED' | 'UNASSIGNED' | null;
  sourceId?: number | null;
  ownerId?: number | null;
  statusCodeId?: number | null;
  /** Inclusive. */
  createdFrom?: Date | null;
  /** Exclusive. */
  createdTo?: Date | null;
  /** Case-insensitive substring of the name (first and last), email or phone. */
  search?: string | null;
}

export interface LeadListScope {
  /** null: every lead (admins); otherwise only leads this agent owns or is a user of. */
  memberId: number | null;
}

/** The lead list: newest first, keyset-paginated, filtered, searched. */
export interface LeadListStore {
  /** Up to `limit` leads older than `beforeId` (null: from the newest), newest first. */
  listLeads(scope: LeadListScope, filter: LeadListFilter, beforeId: number | null, limit: number): Promise<LeadRow[]>;
  /** How many leads match, regardless of the page: costs a walk over every match. */
  countLeads(scope: LeadListScope, filter: LeadListFilter): Promise<number>;
  /** Whether any lead with id `fromId` or newer matches (a page before the one starting after `fromId`). */
  anyLeadFrom(scope: LeadListScope, filter: LeadListFilter, fromId: number): Promise<boolean>;
  /** Adds up to `limit` not yet indexed leads to the search index, in one transaction; how many it added. */
  indexPending(limit: number): Promise<number>;
  /** How many leads are not in the search index yet. */
  pendingSearchIndex(): Promise<number>;
}

export interface LeadCount { state: string; sourceId: number; statusCodeId: number | null; n: number }
/** `band` is the response-time band of an answered offer (ACCEPTED or DECLINED), -1 for the others. */
export interface OfferCount { agentId: number; state: string; band: number; n: number }
export interface BucketCount { bucket: number; n: number }
/** Leads reclaimed from one agent (RECLAIMED events in the range). */
export interface ReclaimCount { agentId: number; n: number }
export interface AgentBucketCount { agentId: number; bucket: number; n: number }
/** Which buckets of an agent's response-time histogram to read (inclusive). */
export interface AgentBuckets { agentId: number; fromBucket: number; toBucket: number }

/** The figures of one range, all read from the same rows (see LeadStatsStore.read). */
export interface StatsReader {
  /** Leads created in the range per (state, source, status code). */
  leadCounts(): Promise<LeadCount[]>;
  /** Offers made in the range per (agent, state, response band). */
  offerCounts(): Promise<OfferCount[]>;
  /** Accepted offers made in the range per response-time bucket, ascending. */
  acceptBuckets(): Promise<BucketCount[]>;
  /** Answered offers made in the range per agent and bucket, only the asked-for buckets. */
  responseBuckets(want: readonly AgentBuckets[]): Promise<AgentBucketCount[]>;
  /**
   * Leads reclaimed in the range (RECLAIMED events whose time is in it) per former owner, by agent
   * id. Read from the events (a partial index holds only reclaims, which are rare), not the rollups.
   */
  reclaimCounts(): Promise<ReclaimCount[]>;
}

/** The dashboard's figures, from the rollups. */
export interface LeadStatsStore {
  /** Runs `fn` over the figures of `range`, in one transaction of its own so every figure sees the same rows. */
  read<T>(range: StatsRange, fn: (reader: StatsReader) => Promise<T>): Promise<T>;
}

/**
 * The notification outbox: every SMS and email is a row here before it is sent. While a message is
 * being sent, its next attempt time is its lease: a claim moves it ahead, so no other claim takes the
 * message meanwhile, and a process that dies mid-send leaves it due again when the lease runs out.
 * An outcome is written only while the message is still in the attempt it was claimed for.
 */
export interface NotificationStore {
  /** Writes messages to the outbox (in the caller's transaction when there is one). */
  enqueue(rows: NewNotification[]): Promise<NotificationRow[]>;
  /**
   * Writes messages to the outbox with the caller's transaction's commit (PostgreSQL: in the COMMIT's
   * round trip, commit-batch.ts; a failure fails the commit), or at once outside a transaction or in
   * a savepoint. For the last write of a transaction, whose rows nothing in it reads back. `written`
   * is told the rows as written (with their ids, oldest first) once they are: at once where they are
   * written at once (SQLite; outside a transaction), else when the COMMIT has answered (before the
   * transaction's promise resolves). A transaction can still roll back rows told at once: act on them
   * only once it has committed.
   */
  enqueueAtCommit(rows: NewNotification[], written?: (rows: NotificationRow[]) => void): Promise<void>;
  /**
   * Claims up to `limit` messages of `channel` due at `now` (oldest first, none of `exclude`) for
   * their next attempt: counts the attempt and leases each until `leaseUntil`.
   */
  claimDue(channel: NotificationChannel, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date): Promise<NotificationRow[]>;
  /**
   * claimDue, and when the next message of `channel` falls due after `now` once the claim has
   * committed (nextDueAfter(channel, now) then: the claimed leases count), or null. One statement on
   * PostgreSQL, where the worker's turn is not a transaction (TransactionOptions.atomic).
   */
  claimDueAndNext(channel: NotificationChannel, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date): Promise<{ rows: NotificationRow[]; nextDueAfter: number | null }>;
  /**
   * The provider took each of `ids` by `at` (one statement on PostgreSQL): a PENDING message becomes
   * SENT and its lease ends; any other is left as it is.
   */
  markAllSent(ids: readonly number[], at: Date): Promise<void>;
  /**
   * Attempt number `attempt` failed: recorded, and the message is due again at `retryAt`, or FAILED
   * for good when `retryAt` is null. Ignored if the message has been claimed again since.
   */
  markAttemptFailed(id: number, attempt: number, error: string, retryAt: Date | null): Promise<void>;
  /** When the next message of `channel` falls due after `after` (ms), or null: what the worker arms for. */
  nextDueAfter(channel: NotificationChannel, after: Date): Promise<number | null>;
  /** Messages waiting to be sent (PENDING, due or retrying), per channel: the outbox backlog metric. */
  pendingByChannel(): Promise<Record<NotificationChannel, number>>;
  ofLead(leadId: number): Promise<NotificationRow[]>;
  find(id: number): Promise<NotificationRow | null>;
}

/**
 * Webhooks and their delivery outbox. The webhook list is read for every lead change (is anyone
 * listening?), so each store keeps it cached and drops the copy whenever any instance changes the
 * list (PostgreSQL: a signal to every instance, as for the roster; while the signal connection is
 * down nothing is cached). Deliveries work as the notification outbox does: while one is being sent
 * its next_attempt_at is its lease, and attempts is the fencing token of its outcome.
 */
export interface WebhookStore {
  insertWebhook(row: NewWebhook): Promise<WebhookRow>;
  /** Deletes the webhook and every delivery of it, in one transaction (pending ones are never sent); false: no such webhook. */
  deleteWebhook(id: number): Promise<boolean>;
  /** Every webhook, oldest first: the cached list (see above). */
  listWebhooks(): Promise<readonly WebhookRow[]>;
  findWebhook(id: number): Promise<WebhookRow | null>;
  /** Writes deliveries to the outbox in one statement (in the caller's transaction). */
  enqueueDeliveries(rows: NewWebhookDelivery[]): Promise<void>;
  /**
   * Claims up to `limit` deliveries due at `now` for their next attempt (counts it, leases each until
   * `leaseUntil`), oldest first, none of `exclude`, and of each webhook at most `perWebhook` less what
   * `inFlight` says the caller is sending to it already. A delivery waits while an earlier one of the
   * same webhook and lead is still PENDING (events of a lead arrive in order, as far as retries allow).
   */
  claimDueDeliveries(now: Date, limit: number, perWebhook: number, exclude: readonly number[], inFlight: ReadonlyMap<number, number>,
    leaseUntil: Date): Promise<WebhookDeliveryRow[]>;
  /** The receiver answered 2xx: DELIVERED. Ignored unless still PENDING in attempt `attempt`. */
  markDelivered(id: number, attempt: number, responseStatus: number, at: Date): Promise<void>;
  /**
   * Attempt `attempt` failed (`responseStatus` null: no answer): due again at `retryAt`, or FAILED
   * for good when it is null. Ignored unless the delivery is still PENDING in that attempt.
   */
  markDeliveryFailed(id: number, attempt: number, responseStatus: number | null, error: string, retryAt: Date | null): Promise<void>;
  /** When the next PENDING delivery falls due after `after` (ms), or null: what the worker arms for. */
  nextDeliveryDueAfter(after: Date): Promise<number | null>;
  /** The webhook's latest `limit` deliveries, newest first. */
  recentDeliveries(webhookId: number, limit: number): Promise<WebhookDeliveryRow[]>;
}

export interface PhoneRewrite {
  rewritten: number;
  /** Stored phones without a "+" that are not a possible number in the region: left as they were. */
  unreadable: number;
}

/** Start-up repairs of rows that older versions wrote. */
export interface MaintenanceStore {
  /**
   * Phones stored before they were kept in E.164 (bare digits) get `region`'s country code, in one
   * transaction over users and leads; running it again changes nothing. A phone it cannot read stays.
   */
  rewriteStoredPhones(region: PhoneRegion): Promise<PhoneRewrite>;
}

/** Every store, as the outer store and a transaction both give them. */
export interface Stores {
  readonly identity: IdentityStore;
  readonly org: OrgStore;
  readonly sources: SourceStore;
  readonly intakeSources: IntakeSourceStore;
  readonly statusCodes: StatusStore;
  readonly leads: LeadStore;
  readonly leadWork: LeadWorkStore;
  readonly leadList: LeadListStore;
  readonly leadStats: LeadStatsStore;
  readonly notifications: NotificationStore;
  readonly webhooks: WebhookStore;
  readonly maintenance: MaintenanceStore;
}

/** The stores bound to one open transaction. */
export interface StoreTx extends Stores {
  /**
   * Runs `fn` in a savepoint of this transaction: if it rejects, only its own writes are undone (and
   * the rejection passes on); this transaction stays open either way. While `fn` runs, use its `tx`.
   */
  savepoint<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
}

export type Dialect = 'sqlite' | 'postgres';

/** What one instance tells the others sharing its database (see ClusterChannel). */
export type ClusterSignal =
  /** An offer window or a contact deadline closes at `at` (ms): sooner than any the instances had heard of. */
  | { kind: 'deadline'; at: number }
  /** The user was deactivated: their sockets close on every instance. */
  | { kind: 'user-deactivated'; userId: number }
  /** The token was revoked: the sockets signed in with it close on every instance. */
  | { kind: 'token-revoked'; userId: number; tokenId: number };

/**
 * Signals between the instances sharing one database (PostgreSQL: NOTIFY on one channel, LISTENed by
 * every instance). A doorbell, not a queue: a signal sent while an instance is not listening is lost
 * to it, so every use has a fallback (the deadline scheduler re-reads every second; a deactivated
 * user's next operation is refused by the token check anyway).
 */
export interface ClusterChannel {
  /** Sends `signal` to every other instance (not back to this one). */
  publish(signal: ClusterSignal): Promise<void>;
  subscribe(listener: (signal: ClusterSignal) => void): void;
}

export interface TransactionOptions {
  /**
   * 'relaxed': the commit need not survive a power cut, only a crash of the process (SQLite commits
   * it with synchronous=NORMAL; PostgreSQL's counterpart is synchronous_commit off). For bookkeeping
   * that a retry redoes (the outbox's claims and outcomes), never for a lead, an offer or an event.
   * On PostgreSQL such transactions run on connections of their own whose commits never wait for the
   * WAL flush (pg-store.ts), off the request pool as the 'scheduled' lane is. Default 'full'.
   *
   * 'deferred': committed at once, durable a moment later. SQLite commits it without its fsync and
   * Store.durable() syncs the WAL off the event loop (sqlite/wal-sync.ts); what it wrote is visible
   * (and may be announced) from the COMMIT, and survives a crash of the process from then on, a power
   * cut once durable() has resolved. Acknowledge such a change to whoever sent it only after that.
   * PostgreSQL commits it with synchronous_commit off, and Store.durable() commits a barrier that
   * waits for the WAL flush (postgres/flush-barrier.ts); there a crash of PostgreSQL itself can lose
   * what durable() has not covered yet.
   */
  durability?: 'full' | 'relaxed' | 'deferred';
  /**
   * A name: transactions given the same one run one at a time, across every instance sharing the
   * database (PostgreSQL: an advisory transaction lock taken first; SQLite has one writer anyway).
   * For check-then-insert work that no unique index settles, such as the first admin at start.
   */
  exclusive?: string;
  /**
   * 'scheduled': work the server does on its own clock (closing offer windows, the outbox), on
   * connections of its own (PostgreSQL: a small second pool), so that it never waits behind requests'
   * transactions holding every connection of the main pool (leads queued on a source's rotation lock,
   * say) and a deadline is not missed because intake is busy. SQLite has one connection: ignored there.
   * Default 'request'.
   */
  lane?: 'request' | 'scheduled';
  /**
   * false: the statements need not commit together, each being safe on its own (the outbox's guarded
   * claims and outcomes). PostgreSQL then runs each as a transaction of its own, without the BEGIN and
   * COMMIT round trips; SQLite still commits them together (one commit, one sync). Default true.
   */
  atomic?: boolean;
}

/** The database behind the port. */
export interface Store extends Stores {
  readonly dialect: Dialect;
  /**
   * Whether writeRound can commit its transaction with the round's own statement (RoundWrite.commit).
   * Where it cannot (SQLite, whose commit is no round trip), composing a round's messages before it is
   * written (LeadChanges.draftRound) gains nothing, and routing does not.
   */
  readonly commitsWithRound: boolean;
  /**
   * Deadline passes that may run at once through a backlog (DeadlineScheduler's concurrency): where due
   * offers are claimed with SKIP LOCKED on a lane of several connections (PostgreSQL), several; 1 where
   * every write goes through one connection anyway (SQLite).
   */
  readonly deadlinePasses: number;
  /** Signals between instances on the same database; null where only one process can open it (SQLite). */
  readonly cluster: ClusterChannel | null;
  /**
   * Runs `fn` in one transaction: committed when its promise resolves, rolled back when it rejects
   * (the rejection passes on). Everything inside goes through `tx`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Resolves once every transaction committed before the call with durability 'deferred' survives a
   * power cut; rejects when that cannot be made sure of (SQLite: the fsync failed; PostgreSQL: the
   * barrier's commit failed).
   */
  durable(): Promise<void>;
  /** One trivial round trip (for /healthz): rejects when the database cannot answer. */
  ping(): Promise<void>;
  /** The database server's clock (ms since the epoch): the one clock instances sharing it agree on. */
  databaseNow(): Promise<number>;
  /** Waits for work in progress, then closes the connection(s). */
  close(): Promise<void>;
}

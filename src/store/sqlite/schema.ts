// The database schema: the single source from which drizzle-kit generates the migrations in drizzle/.
// Times are integer milliseconds since the epoch (mode 'timestamp_ms'): cheap to compare and index,
// which matters for the deadline scan and the lead list. Ids are integer rowids, exposed as GraphQL IDs.
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import type { LeadEventType } from '../rows.js';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** One row (id = 1): the brokerage's lead rules and server secrets generated on first start. */
export const settings = sqliteTable('settings', {
  id: integer('id').primaryKey(),
  agentsCanChangeOwner: integer('agents_can_change_owner', { mode: 'boolean' }).notNull().default(false),
  agentsCanChangeUsers: integer('agents_can_change_users', { mode: 'boolean' }).notNull().default(false),
  /** HMAC key for the accept/decline links; generated once so links survive restarts. */
  actionLinkSecret: text('action_link_secret'),
  /** IANA zone of every user who has not set their own (working hours, daily caps). */
  timeZone: text('time_zone').notNull().default('UTC'),
  /** An agent whose last N offers all expired unanswered is halted until resumed; null: never. */
  haltAfterMissedOffers: integer('halt_after_missed_offers'),
});

export const offices = sqliteTable('offices', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('offices_name_unique').on(t.name)]);

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  /** Stored lower-cased: emails are unique without regard to case. */
  email: text('email').notNull(),
  phone: text('phone'),
  role: text('role', { enum: ['ADMIN', 'AGENT'] }).notNull(),
  /** The local part of the forwarding address: <handle>.leads@INBOUND_EMAIL_DOMAIN. */
  handle: text('handle').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  /** The agent's own switch (setMyAvailability): out of office means no general leads. */
  inOffice: integer('in_office', { mode: 'boolean' }).notNull().default(true),
  /** Set while an admin halt is in force; haltUntil null means until resumed. */
  haltedAt: integer('halted_at', { mode: 'timestamp_ms' }),
  haltUntil: integer('halt_until', { mode: 'timestamp_ms' }),
  haltReason: text('halt_reason'),
  /** IANA zone of the agent's working hours and daily cap; null: the company's (settings.time_zone). */
  timeZone: text('time_zone'),
  /** JSON [{day, start, end}] in local "HH:MM"; [] means always available. */
  workingHours: text('working_hours').notNull().default('[]'),
  /** 1..100: how often the agent heads a source's distribution list, relative to the others. */
  routingWeight: integer('routing_weight').notNull().default(1),
  /** GENERAL leads the agent may win per local day; null: no cap. */
  dailyLeadCap: integer('daily_lead_cap'),
  /** JSON ["787", "78610"]: normalised postal codes or prefixes the agent serves. */
  serviceAreas: text('service_areas').notNull().default('[]'),
  /** Offers in a row that expired unanswered (reset by any answer, and when a halt is set or lifted). */
  missedOffers: integer('missed_offers').notNull().default(0),
  /** scrypt hash ("scrypt$N$r$p$salt$hash"); null when the user signs in with API tokens only. */
  passwordHash: text('password_hash'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('users_email_unique').on(t.email),
  uniqueIndex('users_handle_unique').on(t.handle),
]);

export const userOffices = sqliteTable('user_offices', {
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  officeId: integer('office_id').notNull().references(() => offices.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.userId, t.officeId] }), index('user_offices_office').on(t.officeId)]);

/** API tokens and login sessions. Only a SHA-256 of the random token is kept. */
export const apiTokens = sqliteTable('api_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  kind: text('kind', { enum: ['API', 'SESSION'] }).notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
  /** The admin's name for an API token ("Ana's phone"), shown in the token list; null for sessions. */
  label: text('label'),
  /**
   * When the token was last used, to the minute: kept in memory on the request path and written in
   * batches (services/token-usage.ts), never on every request.
   */
  lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  /**
   * Set when an admin revokes the token: it stops working at once. The row stays, so that a revoked
   * BOOTSTRAP_ADMIN_TOKEN is not created again at the next start.
   */
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
}, (t) => [uniqueIndex('api_tokens_hash_unique').on(t.tokenHash), index('api_tokens_user').on(t.userId)]);

export const tags = sqliteTable('tags', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('tags_name_unique').on(t.name)]);

export const userTags = sqliteTable('user_tags', {
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tagId: integer('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.userId, t.tagId] })]);

export const leadGroups = sqliteTable('lead_groups', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('lead_groups_name_unique').on(t.name)]);

export const leadGroupMembers = sqliteTable('lead_group_members', {
  groupId: integer('group_id').notNull().references(() => leadGroups.id, { onDelete: 'cascade' }),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('lead_group_members_user').on(t.userId)]);

export const leadSources = sqliteTable('lead_sources', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  /** Lets a public web form submit leads to this source without a token. */
  publicKey: text('public_key').notNull(),
  allowDirectToUser: integer('allow_direct_to_user', { mode: 'boolean' }).notNull().default(true),
  directToUserAutoAccept: integer('direct_to_user_auto_accept', { mode: 'boolean' }).notNull().default(true),
  directToUserWindowSeconds: integer('direct_to_user_window_seconds').notNull().default(900),
  leadGroupId: integer('lead_group_id').references(() => leadGroups.id, { onDelete: 'set null' }),
  referralFeePercent: real('referral_fee_percent').notNull().default(0),
  acceptanceWindowSeconds: integer('acceptance_window_seconds').notNull().default(900),
  raceAgentCount: integer('race_agent_count').notNull().default(1),
  /** Where a web form post redirects after success; null: the server's own thank-you page. */
  thankYouUrl: text('thank_you_url'),
  /**
   * Round-robin pointer: the agent who headed the distribution list of this source's last general
   * lead. The next lead's list starts at the first eligible agent after this id (wrapping).
   */
  rrLastAgentId: integer('rr_last_agent_id'),
  /** Weighted rotation state (domain/weighted-rotation.ts): JSON {"<agentId>": credit}; advanced under the rotation's lock. */
  rrCredits: text('rr_credits'),
  /** A lead with a postal code is offered only to agents whose serviceAreas match it. */
  matchServiceArea: integer('match_service_area', { mode: 'boolean' }).notNull().default(false),
  /** After this many rounds without a taker the service-area rule no longer applies; null: never. */
  widenAfterRounds: integer('widen_after_rounds'),
  /**
   * Seconds the winner of one of this source's leads has, from accepting, to log a contact or set the
   * lead's status before it is reclaimed (routed on without them); null: no deadline.
   */
  contactDeadlineSeconds: integer('contact_deadline_seconds'),
  /** A returning client (email or phone of an earlier lead with an active owner) goes straight to that owner. */
  repeatLeadsToOwner: integer('repeat_leads_to_owner', { mode: 'boolean' }).notNull().default(false),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('lead_sources_public_key_unique').on(t.publicKey)]);

/** A source with no rows here routes to agents of every office. */
export const leadSourceOffices = sqliteTable('lead_source_offices', {
  sourceId: integer('source_id').notNull().references(() => leadSources.id, { onDelete: 'cascade' }),
  officeId: integer('office_id').notNull().references(() => offices.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.sourceId, t.officeId] })]);

export const statusCodes = sqliteTable('status_codes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  position: integer('position').notNull(),
  isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
  /** An archived code stays on the leads that have it but cannot be chosen. */
  archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
  createdAt: createdAt(),
}, (t) => [index('status_codes_position').on(t.position)]);

export const leads = sqliteTable('leads', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  sourceId: integer('source_id').notNull().references(() => leadSources.id),
  kind: text('kind', { enum: ['DIRECT_TO_USER', 'GENERAL', 'REPEAT'] }).notNull(),
  state: text('state', { enum: ['ROUTING', 'ASSIGNED', 'UNASSIGNED'] }).notNull(),
  /** The agent whose own site or listing the lead came from (direct leads). */
  targetUserId: integer('target_user_id').references(() => users.id),
  ownerId: integer('owner_id').references(() => users.id),
  statusCodeId: integer('status_code_id').references(() => statusCodes.id),
  firstName: text('first_name').notNull(),
  lastName: text('last_name'),
  email: text('email'),
  phone: text('phone'),
  message: text('message'),
  /** Where the client wants to buy or sell (a form's, or the end of a portal's property address). */
  postalCode: text('postal_code'),
  /** The property the lead is about (the listing a portal's email names), as written there. */
  propertyAddress: text('property_address'),
  /**
   * The listing's price where the lead gave one, in whole units of its currency (a rental's monthly
   * rent as listed); a number, not the text, so leads can be sorted and compared by it.
   */
  price: integer('price'),
  /** The sender's own id; unique per source so that a resubmission creates nothing. */
  externalId: text('external_id'),
  /** Recorded when an agent accepts a general offer; null for direct and hand-assigned leads. */
  referralFeePercent: real('referral_fee_percent'),
  /** The last routing round started (0 before the first). */
  round: integer('round').notNull().default(0),
  /**
   * Round robin: the source's anchor when this lead's general routing began. Every round of the lead
   * walks the same distribution list, which starts after this agent id.
   */
  routingAnchor: integer('routing_anchor'),
  createdAt: createdAt(),
  assignedAt: integer('assigned_at', { mode: 'timestamp_ms' }),
  /** REPEAT leads: the earlier lead of the same client whose owner this one went to. */
  repeatOfId: integer('repeat_of_id'),
  /**
   * The contact deadline is this row, not a timer (like an offer's expires_at): set when an agent wins
   * the lead on a source with contactDeadlineSeconds, cleared by a logged contact, a status change or
   * the lead leaving its owner; the deadline scheduler reclaims leads whose time has passed.
   */
  contactDueAt: integer('contact_due_at', { mode: 'timestamp_ms' }),
  /** The latest contact logged with the client (logContact). */
  lastContactAt: integer('last_contact_at', { mode: 'timestamp_ms' }),
}, (t) => [
  // Partial (most leads carry no external id): a lead without one writes no entry here. NULLs never
  // conflict in a unique index, so the rule is the same; the lookup by (source, externalId) uses it.
  uniqueIndex('leads_source_external_unique').on(t.sourceId, t.externalId).where(sql`external_id IS NOT NULL`),
  // The lead list is newest first (id desc); each filter gets an index ending in id.
  index('leads_state_id').on(t.state, t.id),
  index('leads_source_id').on(t.sourceId, t.id),
  // Partial: a lead has no owner while it is routed, so intake writes no entry here (an `owner_id = ?`
  // filter implies IS NOT NULL, so SQLite still uses it). Every index costs each lead a page (issue 6).
  index('leads_owner_id').on(t.ownerId, t.id).where(sql`owner_id IS NOT NULL`),
  index('leads_status_id').on(t.statusCodeId, t.id),
  index('leads_created_at').on(t.createdAt),
  // The dashboard's lead counts: one pass over this narrow index groups by state, source and
  // status without reading a row (and without a sort: the index is in group order).
  index('leads_stats').on(t.state, t.sourceId, t.statusCodeId, t.createdAt),
  // State and source together (the dashboard's usual pair): a page reads in id order, no sort.
  index('leads_state_source_id').on(t.state, t.sourceId, t.id),
  // Partial: only leads whose owner's contact deadline is running; the scheduler reads its minimum.
  index('leads_contact_due').on(t.contactDueAt).where(sql`contact_due_at IS NOT NULL`),
  // Returning clients: the newest earlier lead with this email or phone (emails are stored lower-cased
  // and phones in E.164 by intake, so equality is the case-insensitive, format-blind match).
  index('leads_email_id').on(t.email, t.id).where(sql`email IS NOT NULL`),
  index('leads_phone_id').on(t.phone, t.id).where(sql`phone IS NOT NULL`),
]);

/**
 * How far the lead list's search index (leads_search, FTS5, migrations 0003 and 0007) has caught up:
 * every lead with id <= indexed_through is in it. Leads are indexed in batches after they commit
 * (services/search-indexing.ts), not by a trigger in the lead's own transaction: the trigram index's
 * segment writes were a quarter of each lead's commit and half of every checkpoint (issue 6). Search
 * reads the few newer leads from the table itself (lead-list-store.ts), so it never misses one.
 */
export const leadSearchProgress = sqliteTable('lead_search_progress', {
  /** Always 1: one row. */
  id: integer('id').primaryKey(),
  indexedThrough: integer('indexed_through').notNull(),
});

/** Agents who work a lead with its owner. */
export const leadUsers = sqliteTable('lead_users', {
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.leadId, t.userId] }), index('lead_users_user').on(t.userId, t.leadId)]);

export const offers = sqliteTable('offers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  agentId: integer('agent_id').notNull().references(() => users.id),
  round: integer('round').notNull(),
  /** True for the offer to the agent whose own site or listing the lead came from: no fee. */
  direct: integer('direct', { mode: 'boolean' }).notNull().default(false),
  state: text('state', { enum: ['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN'] }).notNull(),
  offeredAt: integer('offered_at', { mode: 'timestamp_ms' }).notNull(),
  /** The deadline is this row, not a timer: the scheduler scans PENDING offers by it. */
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  respondedAt: integer('responded_at', { mode: 'timestamp_ms' }),
  /**
   * Set on the ACCEPTED offer of a lead reclaimed from its owner (a missed contact deadline): the accept
   * stays in the record and the figures, and the lead may be won again by another agent's offer.
   */
  reclaimedAt: integer('reclaimed_at', { mode: 'timestamp_ms' }),
}, (t) => [
  index('offers_lead').on(t.leadId),
  // (No separate (agent_id, state) index: offers_agent_stats below begins with those two columns.)
  // Partial index: the scheduler only ever looks for the earliest PENDING deadline.
  index('offers_pending_deadline').on(t.expiresAt).where(sql`state = 'PENDING'`),
  // The dashboard's offer figures group by agent and state and read the times: covered here.
  index('offers_agent_stats').on(t.agentId, t.state, t.offeredAt, t.direct, t.respondedAt),
  // One winner per lead: the race is decided by a conditional UPDATE, and this index makes a second
  // ACCEPTED offer for a lead impossible whatever the code above it does (the same index on PostgreSQL).
  uniqueIndex('offers_one_accepted_per_lead').on(t.leadId).where(sql`state = 'ACCEPTED' AND reclaimed_at IS NULL`),
]);

/** The audit trail: every state change of a lead, written in the transaction that made it. */
export const leadEvents = sqliteTable('lead_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  type: text('type', {
    enum: ['CREATED', 'OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'ASSIGNED', 'UNASSIGNED',
      'OWNER_CHANGED', 'USER_ADDED', 'USER_REMOVED', 'STATUS_CHANGED', 'CONTACTED', 'RECLAIMED'],
  }).notNull(),
  at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  /** Who caused it (null: the system, or an anonymous web form). */
  actorId: integer('actor_id').references(() => users.id),
  /** The agent it concerns: offered, declining, new owner, added user. */
  agentId: integer('agent_id').references(() => users.id),
  offerId: integer('offer_id').references(() => offers.id),
  statusCodeId: integer('status_code_id').references(() => statusCodes.id),
  note: text('note'),
}, (t) => [
  index('lead_events_lead').on(t.leadId, t.id),
  // The dashboard's reclaims by agent over a range: reclaims are rare, so a partial index holds few rows.
  index('lead_events_reclaimed').on(t.at, t.agentId).where(sql`type = 'RECLAIMED'`),
]);

/** Every contact an agent logged with a lead's client (logContact): the lead's CONTACTED events, with their kind. */
export const leadContacts = sqliteTable('lead_contacts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  kind: text('kind', { enum: ['CALL', 'TEXT', 'EMAIL', 'MEETING', 'OTHER'] }).notNull(),
  note: text('note'),
  at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  byUserId: integer('by_user_id').notNull().references(() => users.id),
}, (t) => [index('lead_contacts_lead').on(t.leadId, t.id)]);

/**
 * Why a lead went where it did: one row per routing round, each agent considered with a reason.
 * `decisions`: [agentId, reason] per agent in distribution-list order, stored as runs of consecutive ids
 * (src/store/routing-decisions.ts; rounds written before that are JSON arrays and still read).
 */
export const routingRounds = sqliteTable('routing_rounds', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  round: integer('round').notNull(),
  at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  decisions: text('decisions').notNull(),
}, (t) => [uniqueIndex('routing_rounds_lead_round').on(t.leadId, t.round)]);

/** Every message sent to an agent (SMS, email), with its delivery status. */
export const notifications = sqliteTable('notifications', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  leadId: integer('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
  offerId: integer('offer_id').references(() => offers.id),
  userId: integer('user_id').references(() => users.id),
  channel: text('channel', { enum: ['sms', 'email'] }).notNull(),
  to: text('to').notNull(),
  subject: text('subject'),
  body: text('body').notNull(),
  status: text('status', { enum: ['PENDING', 'SENT', 'FAILED'] }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
}, (t) => [
  index('notifications_lead').on(t.leadId, t.id),
  // The delivery worker claims per channel, so a backlog of one channel is never scanned past to
  // reach the other's due rows.
  index('notifications_due').on(t.channel, t.nextAttemptAt).where(sql`status = 'PENDING'`),
]);

/**
 * Webhooks admins registered (src/webhooks/). `event_types`: a JSON array of lead event types, `[]`
 * for all (the types are the lead events' own, so new ones need no change here).
 */
export const webhooks = sqliteTable('webhooks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  url: text('url').notNull(),
  eventTypes: text('event_types').notNull(),
  secret: text('secret').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The webhook outbox: one row per lead event and webhook, written in the event's transaction. Works
 * as the notification outbox does (next_attempt_at is a claimed delivery's lease, attempts the
 * fencing token of its outcome). `payload`: the JSON body without its id, fixed at the event's commit.
 */
export const webhookDeliveries = sqliteTable('webhook_deliveries', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  // No foreign key: a routing transaction that read the (cached) webhook list just before another
  // instance deleted a webhook must not fail on it. deleteWebhook deletes the deliveries itself, and
  // the worker ends one whose webhook is gone (FAILED, never sent).
  webhookId: integer('webhook_id').notNull(),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  eventId: integer('event_id').notNull(),
  eventType: text('event_type').$type<LeadEventType>().notNull(),
  payload: text('payload').notNull(),
  status: text('status', { enum: ['PENDING', 'DELIVERED', 'FAILED'] }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  responseStatus: integer('response_status'),
  lastError: text('last_error'),
  nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
}, (t) => [
  // A webhook's latest deliveries (the `deliveries` field).
  index('webhook_deliveries_webhook').on(t.webhookId, t.id),
  // The worker's claim: due PENDING rows, and whether an earlier one of the same webhook and lead waits.
  index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
  index('webhook_deliveries_pending_lead').on(t.webhookId, t.leadId, t.id).where(sql`status = 'PENDING'`),
]);

// ---------------------------------------------------------------------------------------------
// The dashboard's rollups (leadStats): counts kept per UTC day by SQLite triggers on leads and offers,
// inside the writer's own transaction (drizzle/0005_lead_stats_rollups.sql, which also fills them
// from the rows already there), so no application code writes them. A row counts one key over one
// period of `span_days` days: 1 (a day: period = time_ms / 86,400,000, integer division), or 8, 64
// and 512 (aligned: period = time_ms / (span_days * 86,400,000)). The coarser periods exist only where
// rollup_periods lists them: lead-stats-store.ts sums them from the finer rows once they are past (so
// a write of today touches day rows only), and from then on the triggers keep them current too.
// Counts go up and down; a row that falls back to n = 0 stays.

/** Leads created, by state, source and status code (0: no status code). */
export const leadRollups = sqliteTable('lead_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  state: text('state', { enum: ['ROUTING', 'ASSIGNED', 'UNASSIGNED'] }).notNull(),
  sourceId: integer('source_id').notNull(),
  statusCodeId: integer('status_code_id').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.state, t.sourceId, t.statusCodeId] })]);

/**
 * Offers made (by offered_at), by agent and state; auto-accepted direct offers left out. `band` is the
 * response-time band (bucket >> 5, lead-stats-store.ts) of an answered offer (ACCEPTED or DECLINED),
 * -1 for the others: summed over bands these are the offer counts, and per band they are the coarse
 * half of each agent's response-time histogram.
 */
export const offerRollups = sqliteTable('offer_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  agentId: integer('agent_id').notNull(),
  state: text('state', { enum: ['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN'] }).notNull(),
  band: integer('band').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.agentId, t.state, t.band] })]);

/** Accepted offers (by offered_at) per response-time bucket: the accept-time percentiles. */
export const acceptTimeRollups = sqliteTable('accept_time_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  bucket: integer('bucket').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.bucket] })]);

/** Answered offers (accepted or declined, by offered_at) per agent and response-time bucket. */
export const responseTimeRollups = sqliteTable('response_time_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  agentId: integer('agent_id').notNull(),
  bucket: integer('bucket').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.agentId, t.bucket] })]);

/** The coarse periods (span_days 8, 64 or 512) whose rows the four rollups hold and the triggers maintain. */
export const rollupPeriods = sqliteTable('rollup_periods', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period] })]);

// The PostgreSQL schema: the same tables, columns and indexes as the SQLite schema (src/store/sqlite/schema.ts),
// written with drizzle's pg-core, from which drizzle-kit generates the migrations in drizzle/postgres/.
// drizzle has no dialect-neutral schema, so the two files are kept side by side; the store test suite
// runs against both and test/store/schema-parity.test.ts fails when a table or column is in one only.
//
// Differences from SQLite, each on purpose:
// - Times are timestamptz(3): rows carry the same Date values as SQLite's integer milliseconds, and
//   deadlines can be compared with the database's own clock (several instances, one clock).
// - Ids are identity columns (bigint would come back as strings from node-postgres; integer is 2^31
//   rows per table, far beyond a brokerage).
// - Booleans are booleans; the referral fee is double precision (SQLite's REAL).
// - The race: at most one ACCEPTED offer per lead, enforced by a partial unique index, so that no
//   interleaving of two instances' accepts can record two winners.
// - One table only PostgreSQL has: flush_marks, which the flush barrier writes (flush-barrier.ts).
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { LeadEventType } from '../rows.js';

/** A point in time with millisecond precision (like SQLite's integer milliseconds), read as a Date. */
const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
const createdAt = () => time('created_at').notNull().defaultNow();
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();

/** One row (id = 1): the brokerage's lead rules and server secrets generated on first start. */
export const settings = pgTable('settings', {
  id: integer('id').primaryKey(),
  agentsCanChangeOwner: boolean('agents_can_change_owner').notNull().default(false),
  agentsCanChangeUsers: boolean('agents_can_change_users').notNull().default(false),
  /** HMAC key for the accept/decline links; generated once so links survive restarts. */
  actionLinkSecret: text('action_link_secret'),
  /** IANA zone of every user who has not set their own (working hours, daily caps). */
  timeZone: text('time_zone').notNull().default('UTC'),
  /** An agent whose last N offers all expired unanswered is halted until resumed; null: never. */
  haltAfterMissedOffers: integer('halt_after_missed_offers'),
});

export const offices = pgTable('offices', {
  id: id(),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('offices_name_unique').on(t.name)]);

export const users = pgTable('users', {
  id: id(),
  name: text('name').notNull(),
  /** Stored lower-cased: emails are unique without regard to case. */
  email: text('email').notNull(),
  phone: text('phone'),
  role: text('role', { enum: ['ADMIN', 'AGENT'] }).notNull(),
  /** The local part of the forwarding address: <handle>.leads@INBOUND_EMAIL_DOMAIN. */
  handle: text('handle').notNull(),
  active: boolean('active').notNull().default(true),
  /** The agent's own switch (setMyAvailability): out of office means no general leads. */
  inOffice: boolean('in_office').notNull().default(true),
  /** Set while an admin halt is in force; haltUntil null means until resumed. */
  haltedAt: time('halted_at'),
  haltUntil: time('halt_until'),
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

export const userOffices = pgTable('user_offices', {
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  officeId: integer('office_id').notNull().references(() => offices.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.userId, t.officeId] }), index('user_offices_office').on(t.officeId)]);

/** API tokens and login sessions. Only a SHA-256 of the random token is kept. */
export const apiTokens = pgTable('api_tokens', {
  id: id(),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  kind: text('kind', { enum: ['API', 'SESSION'] }).notNull(),
  expiresAt: time('expires_at'),
  createdAt: createdAt(),
  label: text('label'),
  lastUsedAt: time('last_used_at'),
  revokedAt: time('revoked_at'),
}, (t) => [uniqueIndex('api_tokens_hash_unique').on(t.tokenHash), index('api_tokens_user').on(t.userId)]);

export const tags = pgTable('tags', {
  id: id(),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('tags_name_unique').on(t.name)]);

export const userTags = pgTable('user_tags', {
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tagId: integer('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.userId, t.tagId] })]);

export const leadGroups = pgTable('lead_groups', {
  id: id(),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('lead_groups_name_unique').on(t.name)]);

export const leadGroupMembers = pgTable('lead_group_members', {
  groupId: integer('group_id').notNull().references(() => leadGroups.id, { onDelete: 'cascade' }),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('lead_group_members_user').on(t.userId)]);

export const leadSources = pgTable('lead_sources', {
  id: id(),
  name: text('name').notNull(),
  /** Lets a public web form submit leads to this source without a token. */
  publicKey: text('public_key').notNull(),
  allowDirectToUser: boolean('allow_direct_to_user').notNull().default(true),
  directToUserAutoAccept: boolean('direct_to_user_auto_accept').notNull().default(true),
  directToUserWindowSeconds: integer('direct_to_user_window_seconds').notNull().default(900),
  leadGroupId: integer('lead_group_id').references(() => leadGroups.id, { onDelete: 'set null' }),
  referralFeePercent: doublePrecision('referral_fee_percent').notNull().default(0),
  acceptanceWindowSeconds: integer('acceptance_window_seconds').notNull().default(900),
  raceAgentCount: integer('race_agent_count').notNull().default(1),
  /** Where a web form post redirects after success; null: the server's own thank-you page. */
  thankYouUrl: text('thank_you_url'),
  /**
   * Round-robin pointer: the agent who headed the distribution list of this source's last general
   * lead. Read and advanced under this row's lock (SELECT … FOR UPDATE) inside the routing
   * transaction, so leads arriving on two instances at once still rotate fairly.
   */
  rrLastAgentId: integer('rr_last_agent_id'),
  /** Weighted rotation state (domain/weighted-rotation.ts): JSON {"<agentId>": credit}; advanced under the rotation's lock. */
  rrCredits: text('rr_credits'),
  /** A lead with a postal code is offered only to agents whose serviceAreas match it. */
  matchServiceArea: boolean('match_service_area').notNull().default(false),
  /** After this many rounds without a taker the service-area rule no longer applies; null: never. */
  widenAfterRounds: integer('widen_after_rounds'),
  /** Seconds the winner of a general lead has to log a contact or set its status (see the SQLite schema); null: none. */
  contactDeadlineSeconds: integer('contact_deadline_seconds'),
  /** A returning client goes straight to the active owner of their earlier lead. */
  repeatLeadsToOwner: boolean('repeat_leads_to_owner').notNull().default(false),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('lead_sources_public_key_unique').on(t.publicKey)]);

/** A source with no rows here routes to agents of every office. */
export const leadSourceOffices = pgTable('lead_source_offices', {
  sourceId: integer('source_id').notNull().references(() => leadSources.id, { onDelete: 'cascade' }),
  officeId: integer('office_id').notNull().references(() => offices.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.sourceId, t.officeId] })]);

export const statusCodes = pgTable('status_codes', {
  id: id(),
  name: text('name').notNull(),
  position: integer('position').notNull(),
  isDefault: boolean('is_default').notNull().default(false),
  /** An archived code stays on the leads that have it but cannot be chosen. */
  archived: boolean('archived').notNull().default(false),
  createdAt: createdAt(),
}, (t) => [index('status_codes_position').on(t.position)]);

export const leads = pgTable('leads', {
  id: id(),
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
  referralFeePercent: doublePrecision('referral_fee_percent'),
  /** The last routing round started (0 before the first). */
  round: integer('round').notNull().default(0),
  /** Round robin: the source's anchor when this lead's general routing began. */
  routingAnchor: integer('routing_anchor'),
  createdAt: createdAt(),
  assignedAt: time('assigned_at'),
  /** REPEAT leads: the earlier lead of the same client whose owner this one went to. */
  repeatOfId: integer('repeat_of_id'),
  /** The owner's contact deadline (see the SQLite schema): a row, claimed FOR UPDATE SKIP LOCKED when due. */
  contactDueAt: time('contact_due_at'),
  /** The latest contact logged with the client (logContact). */
  lastContactAt: time('last_contact_at'),
}, (t) => [
  uniqueIndex('leads_source_external_unique').on(t.sourceId, t.externalId).where(sql`external_id IS NOT NULL`),
  index('leads_state_id').on(t.state, t.id),
  index('leads_source_id').on(t.sourceId, t.id),
  index('leads_owner_id').on(t.ownerId, t.id).where(sql`owner_id IS NOT NULL`),
  index('leads_status_id').on(t.statusCodeId, t.id),
  index('leads_created_at').on(t.createdAt),
  index('leads_stats').on(t.state, t.sourceId, t.statusCodeId, t.createdAt),
  index('leads_state_source_id').on(t.state, t.sourceId, t.id),
  index('leads_contact_due').on(t.contactDueAt).where(sql`contact_due_at IS NOT NULL`),
  index('leads_email_id').on(t.email, t.id).where(sql`email IS NOT NULL`),
  index('leads_phone_id').on(t.phone, t.id).where(sql`phone IS NOT NULL`),
]);

/**
 * How far the lead list's search index has caught up (SQLite's batched FTS5 index). PostgreSQL's
 * trigram index is kept by the database in the lead's own transaction; the row is here so both
 * dialects have the same tables.
 */
export const leadSearchProgress = pgTable('lead_search_progress', {
  /** Always 1: one row. */
  id: integer('id').primaryKey(),
  indexedThrough: integer('indexed_through').notNull(),
});

/** Agents who work a lead with its owner. */
export const leadUsers = pgTable('lead_users', {
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.leadId, t.userId] }), index('lead_users_user').on(t.userId, t.leadId)]);

export const offers = pgTable('offers', {
  id: id(),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  agentId: integer('agent_id').notNull().references(() => users.id),
  round: integer('round').notNull(),
  /** True for the offer to the agent whose own site or listing the lead came from: no fee. */
  direct: boolean('direct').notNull().default(false),
  state: text('state', { enum: ['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN'] }).notNull(),
  offeredAt: time('offered_at').notNull(),
  /** The deadline is this row, not a timer: every instance's scheduler scans PENDING offers by it. */
  expiresAt: time('expires_at').notNull(),
  respondedAt: time('responded_at'),
  /**
   * Set on the ACCEPTED offer of a lead reclaimed from its owner (a missed contact deadline): the accept
   * stays in the record and the figures, and the lead may be won again by another agent's offer.
   */
  reclaimedAt: time('reclaimed_at'),
}, (t) => [
  index('offers_lead').on(t.leadId),
  index('offers_pending_deadline').on(t.expiresAt).where(sql`state = 'PENDING'`),
  index('offers_agent_stats').on(t.agentId, t.state, t.offeredAt, t.direct, t.respondedAt),
  // One winner per lead, whatever the interleaving of accepts on different instances.
  uniqueIndex('offers_one_accepted_per_lead').on(t.leadId).where(sql`state = 'ACCEPTED' AND reclaimed_at IS NULL`),
]);

/** The audit trail: every state change of a lead, written in the transaction that made it. */
export const leadEvents = pgTable('lead_events', {
  id: id(),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  type: text('type', {
    enum: ['CREATED', 'OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'ASSIGNED', 'UNASSIGNED',
      'OWNER_CHANGED', 'USER_ADDED', 'USER_REMOVED', 'STATUS_CHANGED', 'CONTACTED', 'RECLAIMED'],
  }).notNull(),
  at: time('at').notNull(),
  /** Who caused it (null: the system, or an anonymous web form). */
  actorId: integer('actor_id').references(() => users.id),
  /** The agent it concerns: offered, declining, new owner, added user. */
  agentId: integer('agent_id').references(() => users.id),
  offerId: integer('offer_id').references(() => offers.id),
  statusCodeId: integer('status_code_id').references(() => statusCodes.id),
  note: text('note'),
}, (t) => [
  index('lead_events_lead').on(t.leadId, t.id),
  index('lead_events_reclaimed').on(t.at, t.agentId).where(sql`type = 'RECLAIMED'`),
]);

/** Every contact an agent logged with a lead's client (logContact). */
export const leadContacts = pgTable('lead_contacts', {
  id: id(),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  kind: text('kind', { enum: ['CALL', 'TEXT', 'EMAIL', 'MEETING', 'OTHER'] }).notNull(),
  note: text('note'),
  at: time('at').notNull(),
  byUserId: integer('by_user_id').notNull().references(() => users.id),
}, (t) => [index('lead_contacts_lead').on(t.leadId, t.id)]);

/** Why a lead went where it did: one row per routing round (see the SQLite schema for `decisions`). */
export const routingRounds = pgTable('routing_rounds', {
  id: id(),
  leadId: integer('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
  round: integer('round').notNull(),
  at: time('at').notNull(),
  decisions: text('decisions').notNull(),
}, (t) => [uniqueIndex('routing_rounds_lead_round').on(t.leadId, t.round)]);

/** Every message sent to an agent (SMS, email), with its delivery status. */
export const notifications = pgTable('notifications', {
  id: id(),
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
  nextAttemptAt: time('next_attempt_at'),
  createdAt: time('created_at').notNull(),
  sentAt: time('sent_at'),
}, (t) => [
  index('notifications_lead').on(t.leadId, t.id),
  // Claimed per channel (FOR UPDATE SKIP LOCKED), as on SQLite.
  index('notifications_due').on(t.channel, t.nextAttemptAt).where(sql`status = 'PENDING'`),
]);

/** Webhooks admins registered (see the SQLite schema for `event_types`). */
export const webhooks = pgTable('webhooks', {
  id: id(),
  url: text('url').notNull(),
  eventTypes: text('event_types').notNull(),
  secret: text('secret').notNull(),
  createdAt: time('created_at').notNull(),
});

/** The webhook outbox (see the SQLite schema); claimed with FOR UPDATE SKIP LOCKED, as notifications are. */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: id(),
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
  nextAttemptAt: time('next_attempt_at'),
  createdAt: time('created_at').notNull(),
  deliveredAt: time('delivered_at'),
}, (t) => [
  index('webhook_deliveries_webhook').on(t.webhookId, t.id),
  index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
  index('webhook_deliveries_pending_lead').on(t.webhookId, t.leadId, t.id).where(sql`status = 'PENDING'`),
]);

// The dashboard's rollups (leadStats): the same tables as SQLite's, kept by triggers in the writer's
// own transaction (see the SQLite schema for what a row counts). The triggers (drizzle/postgres/
// 0003_lead_stats_rollups.sql) stage each change and apply them at commit, in one order, so that
// concurrent writers never deadlock on rollup rows nor hold them for a whole transaction.

export const leadRollups = pgTable('lead_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  state: text('state', { enum: ['ROUTING', 'ASSIGNED', 'UNASSIGNED'] }).notNull(),
  sourceId: integer('source_id').notNull(),
  statusCodeId: integer('status_code_id').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.state, t.sourceId, t.statusCodeId] })]);

export const offerRollups = pgTable('offer_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  agentId: integer('agent_id').notNull(),
  state: text('state', { enum: ['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN'] }).notNull(),
  band: integer('band').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.agentId, t.state, t.band] })]);

export const acceptTimeRollups = pgTable('accept_time_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  bucket: integer('bucket').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.bucket] })]);

export const responseTimeRollups = pgTable('response_time_rollups', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
  agentId: integer('agent_id').notNull(),
  bucket: integer('bucket').notNull(),
  n: integer('n').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period, t.agentId, t.bucket] })]);

export const rollupPeriods = pgTable('rollup_periods', {
  spanDays: integer('span_days').notNull(),
  period: integer('period').notNull(),
}, (t) => [primaryKey({ columns: [t.spanDays, t.period] })]);

/**
 * PostgreSQL only: what a flush barrier writes (flush-barrier.ts). A transaction that waits for its
 * WAL flush must write WAL, so each barrier adds one to a row here. Instances pick a slot at random:
 * at most 64 rows, whatever the instances' churn; two instances on one slot only queue their barriers.
 */
export const flushMarks = pgTable('flush_marks', {
  slot: integer('slot').primaryKey(),
  marks: bigint('marks', { mode: 'number' }).notNull(),
});

// The rows the store port hands out and takes in: plain objects with Dates for times, the same
// whichever database is behind the port. Written out here rather than inferred from one dialect's
// drizzle schema, so that services depend on neither; each implementation checks at compile time
// that its schema's rows are exactly these (src/store/sqlite/rows-match.ts).

export type Role = 'ADMIN' | 'AGENT';
export type LeadKind = 'DIRECT_TO_USER' | 'GENERAL' | 'REPEAT';
export type LeadState = 'ROUTING' | 'ASSIGNED' | 'UNASSIGNED';
export type OfferState = 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED' | 'TAKEN';
export type LeadEventType = 'CREATED' | 'OFFERED' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED' | 'ASSIGNED' | 'UNASSIGNED'
  | 'OWNER_CHANGED' | 'USER_ADDED' | 'USER_REMOVED' | 'STATUS_CHANGED' | 'CONTACTED' | 'RECLAIMED';
export type ContactKind = 'CALL' | 'TEXT' | 'EMAIL' | 'MEETING' | 'OTHER';
export type NotificationChannel = 'sms' | 'email';
export type NotificationStatus = 'PENDING' | 'SENT' | 'FAILED';

/** The one settings row: the brokerage's lead rules and the secret of the offer links. */
export interface SettingsRow {
  id: number;
  agentsCanChangeOwner: boolean;
  agentsCanChangeUsers: boolean;
  actionLinkSecret: string | null;
  /** IANA zone of users without their own. */
  timeZone: string;
  /** Halt an agent after this many offers in a row expired unanswered; null: never. */
  haltAfterMissedOffers: number | null;
}
export type SettingsPatch = Partial<Omit<SettingsRow, 'id'>>;

export interface OfficeRow {
  id: number;
  name: string;
  createdAt: Date;
}

export interface TagRow {
  id: number;
  name: string;
  createdAt: Date;
}

export interface LeadGroupRow {
  id: number;
  name: string;
  createdAt: Date;
}

export interface UserRow {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  role: Role;
  handle: string;
  active: boolean;
  inOffice: boolean;
  haltedAt: Date | null;
  haltUntil: Date | null;
  haltReason: string | null;
  passwordHash: string | null;
  createdAt: Date;
  /** null: the company's zone. */
  timeZone: string | null;
  /** JSON of WorkingHoursEntry[] (domain/local-time.ts). */
  workingHours: string;
  routingWeight: number;
  dailyLeadCap: number | null;
  /** JSON of normalised postal codes or prefixes. */
  serviceAreas: string;
  /** Offers in a row that expired unanswered. */
  missedOffers: number;
}

export interface NewUser {
  name: string;
  email: string;
  phone?: string | null;
  role: Role;
  handle: string;
  active?: boolean;
  inOffice?: boolean;
  haltedAt?: Date | null;
  haltUntil?: Date | null;
  haltReason?: string | null;
  passwordHash?: string | null;
  timeZone?: string | null;
  workingHours?: string;
  routingWeight?: number;
  dailyLeadCap?: number | null;
  serviceAreas?: string;
  missedOffers?: number;
}
export type UserPatch = Partial<NewUser>;

export interface NewApiToken {
  userId: number;
  tokenHash: string;
  kind: 'API' | 'SESSION';
  expiresAt?: Date | null;
  createdAt?: Date;
  /** The admin's name for an API token; null for sessions. */
  label?: string | null;
}

export interface LeadSourceRow {
  id: number;
  name: string;
  publicKey: string;
  allowDirectToUser: boolean;
  directToUserAutoAccept: boolean;
  directToUserWindowSeconds: number;
  leadGroupId: number | null;
  referralFeePercent: number;
  acceptanceWindowSeconds: number;
  raceAgentCount: number;
  thankYouUrl: string | null;
  rrLastAgentId: number | null;
  /** Weighted rotation credits (JSON), or null before the first weighted lead. */
  rrCredits: string | null;
  matchServiceArea: boolean;
  widenAfterRounds: number | null;
  /** Seconds the winner of a general lead has to log a contact or set its status; null: no deadline. */
  contactDeadlineSeconds: number | null;
  /** A lead matching an earlier lead (email or phone) that has an active owner goes straight to that owner. */
  repeatLeadsToOwner: boolean;
  createdAt: Date;
}

export interface NewLeadSource {
  name: string;
  publicKey: string;
  allowDirectToUser?: boolean;
  directToUserAutoAccept?: boolean;
  directToUserWindowSeconds?: number;
  leadGroupId?: number | null;
  referralFeePercent?: number;
  acceptanceWindowSeconds?: number;
  raceAgentCount?: number;
  thankYouUrl?: string | null;
  rrLastAgentId?: number | null;
  rrCredits?: string | null;
  matchServiceArea?: boolean;
  widenAfterRounds?: number | null;
  contactDeadlineSeconds?: number | null;
  repeatLeadsToOwner?: boolean;
}
export type LeadSourcePatch = Partial<NewLeadSource>;

/** A source with the offices whose agents get its general leads (empty: every office). */
export interface LeadSourceWithOffices extends LeadSourceRow {
  officeIds: number[];
}

export interface StatusCodeRow {
  id: number;
  name: string;
  position: number;
  isDefault: boolean;
  archived: boolean;
  createdAt: Date;
}

export interface LeadRow {
  id: number;
  sourceId: number;
  kind: LeadKind;
  state: LeadState;
  targetUserId: number | null;
  ownerId: number | null;
  statusCodeId: number | null;
  firstName: string;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  message: string | null;
  /** Where the client wants to buy or sell. */
  postalCode: string | null;
  /** The property the lead is about, as written where it came from. */
  propertyAddress: string | null;
  /** The listing's price, in whole units of its currency (a rental's monthly rent); null when not given. */
  price: number | null;
  externalId: string | null;
  referralFeePercent: number | null;
  round: number;
  routingAnchor: number | null;
  createdAt: Date;
  assignedAt: Date | null;
  /** REPEAT: the earlier lead whose owner this one went to. */
  repeatOfId: number | null;
  /** When the owner must have logged a contact or set the status, or the lead is reclaimed; null: no deadline running. */
  contactDueAt: Date | null;
  /** The latest logged contact (logContact). */
  lastContactAt: Date | null;
}

export interface NewLead {
  sourceId: number;
  kind: LeadKind;
  state: LeadState;
  targetUserId?: number | null;
  ownerId?: number | null;
  statusCodeId?: number | null;
  firstName: string;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  message?: string | null;
  postalCode?: string | null;
  propertyAddress?: string | null;
  price?: number | null;
  externalId?: string | null;
  referralFeePercent?: number | null;
  round?: number;
  routingAnchor?: number | null;
  createdAt?: Date;
  assignedAt?: Date | null;
  repeatOfId?: number | null;
  contactDueAt?: Date | null;
  lastContactAt?: Date | null;
}
export type LeadPatch = Partial<NewLead>;

export interface OfferRow {
  id: number;
  leadId: number;
  agentId: number;
  round: number;
  direct: boolean;
  state: OfferState;
  offeredAt: Date;
  expiresAt: Date;
  respondedAt: Date | null;
  /** Set on the accepted offer of a lead later reclaimed from its owner (missed contact deadline). */
  reclaimedAt: Date | null;
}

export interface NewOffer {
  leadId: number;
  agentId: number;
  round: number;
  direct?: boolean;
  state: OfferState;
  offeredAt: Date;
  expiresAt: Date;
  respondedAt?: Date | null;
  reclaimedAt?: Date | null;
}

export interface LeadEventRow {
  id: number;
  leadId: number;
  type: LeadEventType;
  at: Date;
  actorId: number | null;
  agentId: number | null;
  offerId: number | null;
  statusCodeId: number | null;
  note: string | null;
}

export interface NewLeadEvent {
  leadId: number;
  type: LeadEventType;
  at: Date;
  actorId?: number | null;
  agentId?: number | null;
  offerId?: number | null;
  statusCodeId?: number | null;
  note?: string | null;
}

/** One logged contact with a lead's client (logContact). */
export interface LeadContactRow {
  id: number;
  leadId: number;
  kind: ContactKind;
  note: string | null;
  at: Date;
  byUserId: number;
}

export interface NewLeadContact {
  leadId: number;
  kind: ContactKind;
  note?: string | null;
  at: Date;
  byUserId: number;
}

export interface NotificationRow {
  id: number;
  leadId: number | null;
  offerId: number | null;
  userId: number | null;
  channel: NotificationChannel;
  to: string;
  subject: string | null;
  body: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface NewNotification {
  leadId?: number | null;
  offerId?: number | null;
  userId?: number | null;
  channel: NotificationChannel;
  to: string;
  subject?: string | null;
  body: string;
  status: NotificationStatus;
  attempts?: number;
  lastError?: string | null;
  nextAttemptAt?: Date | null;
  createdAt: Date;
  sentAt?: Date | null;
}

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** A webhook an admin registered: where lead events are POSTed, and which ones. */
export interface WebhookRow {
  id: number;
  url: string;
  /** The lead event types it wants; empty: every type. */
  eventTypes: LeadEventType[];
  /** The HMAC-SHA256 key of the signatures (shown to the admin once, at creation). */
  secret: string;
  createdAt: Date;
}

export interface NewWebhook {
  url: string;
  eventTypes: LeadEventType[];
  secret: string;
  createdAt: Date;
}

/**
 * One lead event to POST to one webhook: written in the event's own transaction, then sent (and
 * retried) by the webhook worker. `payload` is the JSON body without its `id` (the row's id, added
 * when sending), fixed when the event commits so every retry sends the same bytes.
 */
export interface WebhookDeliveryRow {
  id: number;
  webhookId: number;
  leadId: number;
  eventId: number;
  eventType: LeadEventType;
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The HTTP status of the last attempt's answer; null before the first, or when none came. */
  responseStatus: number | null;
  lastError: string | null;
  /** When the next attempt is due (a claimed delivery: its lease); null once DELIVERED or FAILED. */
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface NewWebhookDelivery {
  webhookId: number;
  leadId: number;
  eventId: number;
  eventType: LeadEventType;
  payload: string;
  status: WebhookDeliveryStatus;
  attempts?: number;
  nextAttemptAt: Date;
  createdAt: Date;
}

// What the routing engine announces after each committed transaction. Listeners (the GraphQL
// publisher, the notifier) turn these into subscription messages, SMS and email.
import type { Decisions } from '../store/routing-decisions.js';
import type { LeadEventRow, LeadRow, NotificationChannel, OfferRow } from '../store/rows.js';

export type OfferEventType = 'RECEIVED' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED' | 'TAKEN';

/**
 * Why an offer closed when it was not the agent's own answer or the window: ASSIGNED_BY_ADMIN (an
 * admin made the offered agent the owner: ACCEPTED for them), AGENT_DEACTIVATED (EXPIRED: the agent
 * can no longer answer). Messages to the agent say so; subscriptions show only the type.
 */
export type OfferChangeCause = 'ASSIGNED_BY_ADMIN' | 'AGENT_DEACTIVATED';

export interface OfferChange {
  type: OfferEventType;
  offer: OfferRow;
  /** Absent: the agent answered, another agent won, or the window closed. */
  cause?: OfferChangeCause;
  /** The lead as it stands after the transaction. */
  lead: LeadRow;
}

export interface LeadChange {
  event: LeadEventRow;
  /** The lead as it stands after the transaction. */
  lead: LeadRow;
  /** The lead's owner and users after the transaction: who may follow its events. */
  audience: number[];
  /**
   * Who was owner or user before the transaction and is not after it (a new owner, a removed user,
   * a return to the broker): told of this event once, and shown the lead's limited view in it.
   */
  former: number[];
}

export interface CommittedChanges {
  offers: OfferChange[];
  leadEvents: LeadChange[];
  /**
   * The channels of the outbox rows the transaction wrote (ChangeSet.messagesQueued, and the
   * notification listener's own): the delivery worker looks for new messages in these lanes only.
   * Absent (changes built elsewhere, tests): every lane.
   */
  messageChannels?: Set<NotificationChannel>;
  /**
   * The decisions of each routing round the transaction wrote, by roundKey (ChangeSet.roundWritten):
   * the lead log counts who was skipped, and why, without reading the round back. Absent, or a round
   * missing: the log reads it.
   */
  roundDecisions?: ReadonlyMap<string, Decisions>;
}

export type ChangeListener = (changes: CommittedChanges) => void;

/** A lead's routing round as a key of CommittedChanges.roundDecisions. */
export function roundKey(leadId: number, round: number): string {
  return `${leadId}:${round}`;
}

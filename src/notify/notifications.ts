// Notifications as a whole: turns offer changes into outbox rows (SMS and email to the agent), and
// owns the channels and the delivery worker. The rows are written inside the routing transaction
// (writeOutbox, an in-transaction listener), so they commit with the offers or not at all; after the
// commit, onCommitted kicks the worker, which sends them, so routing never waits on a provider.
import type { Logger } from 'pino';
import type { CommittedChanges } from '../events/routing-events.js';
import type { Config } from '../server/config.js';
import { ACTION_LINK_SLOT, fillActionLinks, type ActionLinks } from '../services/action-links.js';
import type { DraftedRows, RoundDraft } from '../services/lead-changes.js';
import type { RoundMessage, Store, StoreTx } from '../store/port.js';
import type { LeadRow, NewNotification, NotificationChannel, NotificationRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';
import type { Channels } from './channel.js';
import { CLAIM_LEASE_MS, DeliveryWorker, type AttemptObserver, type Reservation } from './delivery-worker.js';
import { createLogChannel } from './log-channel.js';
import { composeLeadEventMessages, composeMessages } from './messages.js';
import { createSmsChannel } from './sms-channel.js';
import { createSmtpChannel, type SmtpChannel } from './smtp-channel.js';

export interface NotificationDeps {
  store: Store;
  actionLinks: ActionLinks;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** Told of every delivery attempt's outcome (the metrics). */
  onAttempt?: AttemptObserver;
  /** Several instances on one database: look for due messages at least this often (DeliveryWorker). */
  pollMs?: number | null;
}

/** A lead event an agent is sent a message about (notify/messages.ts composeLeadEventMessages). */
interface EventMessage { type: 'RECLAIMED' | 'REPEAT'; lead: LeadRow; agentId: number }

export function createNotifications(deps: NotificationDeps) {
  const { store, actionLinks, clock, config } = deps;
  const logger = deps.logger.child({ component: 'notifications' });
  const smtp: SmtpChannel | null = config.smtp ? createSmtpChannel(config.smtp, config.publicUrl) : null;
  const channels: Channels = {
    email: smtp ?? createLogChannel('email', logger),
    sms: config.sms ? createSmsChannel(config.sms) : createLogChannel('sms', logger),
  };
  /** A row as it is sent and shown: its offer's link filled in (the outbox stores none). */
  const withLinks = (row: NotificationRow): NotificationRow => {
    const body = fillActionLinks(actionLinks, row);
    return body === row.body ? row : { ...row, body };
  };
  const worker = new DeliveryWorker(clock, store, channels, logger, deps.onAttempt, deps.pollMs ?? null, (row) => fillActionLinks(actionLinks, row));

  /** The lead events an agent is sent a message about (besides offers), and whom to send it to. */
  const messaged = (changes: CommittedChanges): EventMessage[] => changes.leadEvents.flatMap(({ event, lead }): EventMessage[] => {
    if (event.type === 'RECLAIMED' && event.agentId !== null) return [{ type: 'RECLAIMED', lead, agentId: event.agentId }];
    if (event.type === 'ASSIGNED' && lead.kind === 'REPEAT' && event.agentId !== null) return [{ type: 'REPEAT', lead, agentId: event.agentId }];
    return [];
  });

  /** The in-transaction listener: one outbox row per message, written in the routing transaction (`tx`). */
  async function writeOutbox(changes: CommittedChanges, tx: StoreTx): Promise<void> {
    const fromEvents = messaged(changes);
    if (changes.offers.length === 0 && fromEvents.length === 0) return;
    const now = clock.now();
    const agentIds = new Set([...changes.offers.map((c) => c.offer.agentId), ...fromEvents.map((e) => e.agentId)]);
    const agents = new Map((await tx.identity.findUsers([...agentIds])).map((u) => [u.id, u]));
    const sources = new Map<number, { name: string; contactDeadlineSeconds: number | null } | null>();
    const sourceOf = async (id: number) => {
      let source = sources.get(id);
      if (source === undefined) {
        source = await tx.sources.findSource(id);
        sources.set(id, source);
      }
      return source;
    };
    const sourceName = async (id: number): Promise<string> => (await sourceOf(id))?.name ?? 'a lead source';
    const rows: NewNotification[] = [];
    for (const { type, offer, lead, cause } of changes.offers) {
      // A deactivated agent is sent nothing more: they can no longer act on it.
      if (cause === 'AGENT_DEACTIVATED') continue;
      const agent = agents.get(offer.agentId);
      if (!agent) continue;
      const messages = composeMessages({
        type, offer, lead, sourceName: await sourceName(lead.sourceId), agent, assignedByAdmin: cause === 'ASSIGNED_BY_ADMIN',
        actionUrl: ACTION_LINK_SLOT, now,
      });
      for (const m of messages) {
        rows.push({
          leadId: lead.id, offerId: offer.id, userId: agent.id, channel: m.channel, to: m.to, subject: m.subject,
          body: m.body, status: 'PENDING', attempts: 0, nextAttemptAt: new Date(now), createdAt: new Date(now),
        });
      }
    }
    for (const { type, lead, agentId } of fromEvents) {
      const agent = agents.get(agentId);
      if (!agent) continue;
      const source = await sourceOf(lead.sourceId);
      const messages = composeLeadEventMessages({
        type, lead, sourceName: source?.name ?? 'a lead source', agent, deadlineSeconds: source?.contactDeadlineSeconds ?? null,
        appUrl: config.publicUrl,
      });
      for (const m of messages) {
        rows.push({
          leadId: lead.id, offerId: null, userId: agent.id, channel: m.channel, to: m.to, subject: m.subject,
          body: m.body, status: 'PENDING', attempts: 0, nextAttemptAt: new Date(now), createdAt: new Date(now),
        });
      }
    }
    if (rows.length === 0) return;
    const reservations = reserve(rows, now, (channel) => changes.messageChannels?.add(channel));
    // The transaction's last write: with its COMMIT (one round trip fewer inside a source's rotation lock).
    await tx.notifications.enqueueAtCommit(rows, reservations.length === 0 ? undefined : (written) => {
      adoptions.set(changes, adopted(reservations, written));
    });
  }

  /**
   * Rows written already claimed by this process, as far as its lanes have room: after the commit the
   * worker sends them without a claim of its own (a round trip and a locking UPDATE per message on
   * PostgreSQL). The rest are written due, and the worker claims them as it claims any: their channels
   * go to `due`, so that the commit kicks their lanes.
   */
  function reserve(rows: { channel: NotificationChannel; attempts?: number; nextAttemptAt?: Date | null }[], now: number, due: (channel: NotificationChannel) => void): Reservation[] {
    const lease = new Date(now + CLAIM_LEASE_MS);
    const reservations: Reservation[] = [];
    for (const channel of new Set(rows.map((r) => r.channel))) {
      const ofChannel = rows.filter((r) => r.channel === channel);
      const reservation = worker.reserve(channel, ofChannel.length);
      if (!reservation) {
        due(channel);
        continue;
      }
      reservations.push(reservation);
      for (const row of ofChannel.slice(0, reservation.n)) Object.assign(row, { attempts: 1, nextAttemptAt: lease });
      if (reservation.n < ofChannel.length) due(channel);
    }
    return reservations;
  }

  /** The written rows each reservation holds slots for (those written claimed, attempt 1). */
  const adopted = (reservations: readonly Reservation[], written: readonly NotificationRow[]) =>
    reservations.map((r) => ({ reservation: r, rows: written.filter((w) => w.channel === r.kind && w.attempts === 1) }));

  /**
   * The drafter of writeOutbox (LeadChanges.draftRound): a new lead's first round's messages, composed
   * before the round is written, which writes them with its offers. What writeOutbox would write for
   * the round's RECEIVED offers; a new lead has no other event an agent is sent a message about.
   */
  async function draftRound(draft: RoundDraft, tx: StoreTx): Promise<DraftedRows> {
    if (draft.offers.length === 0) return { messages: [] };
    const now = clock.now();
    const agents = new Map((await tx.identity.findUsers([...new Set(draft.offers.map((o) => o.agentId))])).map((u) => [u.id, u]));
    const { lead } = draft;
    const messages: RoundMessage[] = [];
    for (const offer of draft.offers) {
      const agent = agents.get(offer.agentId);
      if (!agent) continue;
      const composed = composeMessages({
        type: 'RECEIVED', offer: { direct: offer.direct ?? false, offeredAt: offer.offeredAt, expiresAt: offer.expiresAt },
        lead: { firstName: lead.firstName, lastName: lead.lastName ?? null, email: lead.email ?? null, phone: lead.phone ?? null, message: lead.message ?? null },
        sourceName: draft.source.name, agent, actionUrl: ACTION_LINK_SLOT, now,
      });
      for (const m of composed) {
        messages.push({
          userId: agent.id, channel: m.channel, to: m.to, subject: m.subject, body: m.body,
          status: 'PENDING', attempts: 0, nextAttemptAt: new Date(now), createdAt: new Date(now),
        });
      }
    }
    if (messages.length === 0) return { messages };
    const due = new Set<NotificationChannel>();
    const reservations = reserve(messages, now, (channel) => due.add(channel));
    return {
      messages,
      dropped() {
        for (const reservation of reservations) worker.release(reservation);
      },
      written(rows, changes) {
        for (const channel of due) changes.messageChannels.add(channel);
        if (reservations.length > 0) changes.afterCommit(() => {
          for (const { reservation, rows: claimed } of adopted(reservations, rows)) worker.adopt(reservation, claimed);
        });
      },
    };
  }

  /** Per committed change: the messages it wrote already claimed, and the slots held for them. */
  const adoptions = new WeakMap<CommittedChanges, { reservation: Reservation; rows: NotificationRow[] }[]>();

  /**
   * The change listener: once the rows have committed, the worker sends those written already claimed
   * at once, and looks for the others in the lanes they were written to (an offer by email alone costs
   * no claim in the SMS lane).
   */
  function onCommitted(changes: CommittedChanges): void {
    for (const { reservation, rows } of adoptions.get(changes) ?? []) worker.adopt(reservation, rows);
    if (changes.messageChannels) {
      if (changes.messageChannels.size > 0) worker.kick(changes.messageChannels);
    } else if (changes.offers.length > 0 || messaged(changes).length > 0) {
      worker.kick();
    }
  }

  return {
    channels,
    writeOutbox,
    draftRound,
    onCommitted,
    /** Everything sent (or being sent) about a lead, oldest first. */
    ofLead: async (leadId: number): Promise<NotificationRow[]> => (await store.notifications.ofLead(leadId)).map(withLinks),
    /** Messages not yet sent, per channel (the outbox backlog). */
    pendingByChannel: (): Promise<Record<NotificationChannel, number>> => store.notifications.pendingByChannel(),
    /** Resumes deliveries left PENDING by a previous run, then sends new ones as they come. */
    start: (): void => worker.start(),
    /** Resolves when nothing is being sent or about to be (for tests; see DeliveryWorker.idle). */
    idle: (): Promise<void> => worker.idle(),
    async stop(): Promise<void> {
      await worker.stop();
      smtp?.close();
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;

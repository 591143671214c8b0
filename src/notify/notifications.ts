// Notifications as a whole: turns offer changes into outbox rows (SMS and email to the agent), and
// owns the channels and the delivery worker. The rows are written inside the routing transaction
// (writeOutbox, an in-transaction listener), so they commit with the offers or not at all; after the
// commit, onCommitted kicks the worker, which sends them, so routing never waits on a provider.
import type { Logger } from 'pino';
import type { CommittedChanges } from '../events/routing-events.js';
import type { Config } from '../server/config.js';
import type { ActionLinks } from '../services/action-links.js';
import type { Store, StoreTx } from '../store/port.js';
import type { LeadRow, NewNotification, NotificationChannel, NotificationRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';
import type { Channels } from './channel.js';
import { DeliveryWorker, type AttemptObserver } from './delivery-worker.js';
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
  const worker = new DeliveryWorker(clock, store, channels, logger, deps.onAttempt, deps.pollMs ?? null);

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
        actionUrl: actionLinks.url(offer.id, agent.id), now,
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
    // The transaction's last write: with its COMMIT (one round trip fewer inside a source's rotation lock).
    await tx.notifications.enqueueAtCommit(rows);
    for (const row of rows) changes.messageChannels?.add(row.channel);
  }

  /**
   * The change listener: once the rows have committed, the worker sends them (soon, not in this call),
   * looking in the lanes they were written to (an offer by email alone costs no claim in the SMS lane).
   */
  function onCommitted(changes: CommittedChanges): void {
    if (changes.messageChannels) {
      if (changes.messageChannels.size > 0) worker.kick(changes.messageChannels);
    } else if (changes.offers.length > 0 || messaged(changes).length > 0) {
      worker.kick();
    }
  }

  return {
    channels,
    writeOutbox,
    onCommitted,
    /** Everything sent (or being sent) about a lead, oldest first. */
    ofLead: (leadId: number): Promise<NotificationRow[]> => store.notifications.ofLead(leadId),
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

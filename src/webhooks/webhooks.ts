// Webhooks as a whole: admins register them (create, list, delete); every lead event whose type a
// webhook wants becomes a delivery row written in the event's own transaction (writeOutbox, an
// in-transaction listener: none lost to a crash between the event and its delivery); after the commit
// the worker POSTs them (webhook-worker.ts), so routing never waits on a receiver.
//
// The body is built in that transaction, just before it commits, from the lead as the transaction
// leaves it (the events of a change are often written before the lead row is updated), and stored:
// every retry sends the same body, and a receiver learns what the lead was when the event happened,
// not what it became by the time a retry got through.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { badInput, notFound } from '../domain/errors.js';
import type { CommittedChanges, LeadChange } from '../events/routing-events.js';
import type { DraftedRows, RoundDraft } from '../services/lead-changes.js';
import type { Store, StoreTx } from '../store/port.js';
import type { LeadEventType, NewWebhookDelivery, WebhookDeliveryRow, WebhookRow } from '../store/rows.js';
import type { Clock } from '../time/clock.js';
import { checkTarget, parseWebhookUrl, UrlRefused } from './url-guard.js';
import { WebhookWorker } from './webhook-worker.js';

export interface WebhookDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  /** Several instances on one database: look for due deliveries at least this often (ms). */
  pollMs?: number | null;
}

/** The most deliveries the `deliveries` field lists. */
export const MAX_DELIVERIES_LISTED = 100;

/** The body of a delivery without its id (webhook-worker.ts adds it): the contract's shape, ids as strings. */
export function payloadOf({ event, lead }: LeadChange): string {
  return JSON.stringify({
    type: event.type,
    at: event.at.toISOString(),
    agentId: event.agentId === null ? null : String(event.agentId),
    lead: {
      id: String(lead.id),
      kind: lead.kind,
      state: lead.state,
      sourceId: String(lead.sourceId),
      ownerId: lead.ownerId === null ? null : String(lead.ownerId),
      firstName: lead.firstName,
      lastName: lead.lastName,
      email: lead.email,
      phone: lead.phone,
    },
  });
}

const wants = (webhook: WebhookRow, type: LeadEventType): boolean =>
  webhook.eventTypes.length === 0 || webhook.eventTypes.includes(type);

export function createWebhooks(deps: WebhookDeps) {
  const { store, clock, allowPrivateNetworks } = deps;
  const logger = deps.logger.child({ component: 'webhooks' });
  const worker = new WebhookWorker({ clock, store, logger, allowPrivate: allowPrivateNetworks, pollMs: deps.pollMs ?? null });
  /** A transaction wrote deliveries since the last kick (it may have rolled back: then a kick finds nothing). */
  let written = false;

  /**
   * The in-transaction listener: one delivery per wanted event and webhook, in one INSERT. With no
   * webhook it costs one read of the cached list and writes nothing.
   */
  async function writeOutbox(changes: CommittedChanges, tx: StoreTx): Promise<void> {
    if (changes.leadEvents.length === 0) return;
    const hooks = await tx.webhooks.listWebhooks();
    if (hooks.length === 0) return;
    const now = new Date(clock.now());
    const rows: NewWebhookDelivery[] = [];
    for (const change of changes.leadEvents) {
      let payload: string | null = null;
      for (const hook of hooks) {
        if (!wants(hook, change.event.type)) continue;
        payload ??= payloadOf(change);
        rows.push({
          webhookId: hook.id, leadId: change.lead.id, eventId: change.event.id, eventType: change.event.type, payload,
          status: 'PENDING', attempts: 0, nextAttemptAt: now, createdAt: now,
        });
      }
    }
    if (rows.length === 0) return;
    await tx.webhooks.enqueueDeliveries(rows);
    written = true;
  }

  /**
   * The drafter of writeOutbox (LeadChanges.draftRound): a round whose events no webhook wants needs no
   * delivery, which can be said before it is written; one that some webhook wants needs the written
   * events' ids and the lead's, so it cannot (null), and writeOutbox runs after the round as usual.
   */
  async function draftRound(draft: RoundDraft, tx: StoreTx): Promise<DraftedRows | null> {
    const hooks = await tx.webhooks.listWebhooks();
    return hooks.some((hook) => draft.eventTypes.some((type) => wants(hook, type))) ? null : { messages: [] };
  }

  /** After a commit that wrote deliveries: the worker sends them (soon, not in this call). */
  function onCommitted(): void {
    if (!written) return;
    written = false;
    worker.kick();
  }

  return {
    writeOutbox,
    draftRound,
    onCommitted,

    /**
     * Registers a webhook with a new secret. BAD_USER_INPUT when the URL is not http(s), carries
     * credentials, or its host resolves to a non-public address (unless WEBHOOK_ALLOW_PRIVATE_NETWORKS).
     */
    async create(input: { url: string; eventTypes: readonly LeadEventType[] }): Promise<WebhookRow> {
      let url: URL;
      try {
        url = parseWebhookUrl(input.url);
        await checkTarget(url, allowPrivateNetworks);
      } catch (err) {
        if (err instanceof UrlRefused) throw badInput('url', err.message);
        throw err;
      }
      return store.webhooks.insertWebhook({
        url: url.href,
        eventTypes: [...new Set(input.eventTypes)],
        secret: randomBytes(32).toString('hex'),
        createdAt: new Date(clock.now()),
      });
    },

    list: (): Promise<readonly WebhookRow[]> => store.webhooks.listWebhooks(),

    /** Deletes the webhook and its deliveries (pending ones are not sent); NOT_FOUND when there is none. */
    async delete(id: number): Promise<boolean> {
      if (!await store.webhooks.deleteWebhook(id)) throw notFound('webhook');
      return true;
    },

    /** The webhook's latest `first` deliveries, newest first. */
    deliveries(webhookId: number, first: number): Promise<WebhookDeliveryRow[]> {
      if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERIES_LISTED) {
        throw badInput('first', `must be 1 to ${MAX_DELIVERIES_LISTED}`);
      }
      return store.webhooks.recentDeliveries(webhookId, first);
    },

    /** Resumes deliveries left PENDING by a previous run, then sends new ones as they come. */
    start: (): void => worker.start(),
    /** Resolves when nothing is being sent or about to be (for tests). */
    idle: (): Promise<void> => worker.idle(),
    stop: (): Promise<void> => worker.stop(),
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;

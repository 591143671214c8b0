// Wires the use cases to one store, clock, event bus and logger. Built once at start.
import type { Logger } from 'pino';
import type { Config } from '../server/config.js';
import type { ClusterChannel, Store } from '../store/port.js';
import type { EventBus } from '../events/event-bus.js';
import type { Clock } from '../time/clock.js';
import { createAuthService } from './auth-service.js';
import { createTokenUsage } from './token-usage.js';
import { createUserService } from './user-service.js';
import { createOrgService } from './org-service.js';
import { createSourceService } from './source-service.js';
import { createStatusCodeService } from './status-code-service.js';
import { publishToSubscriptions } from '../events/graphql-publisher.js';
import { shareRotations } from '../events/rotation-hints.js';
import { DeadlineScheduler } from '../time/deadline-scheduler.js';
import { createActionLinks, loadActionLinkSecret } from './action-links.js';
import { createLeadService } from './lead-service.js';
import { createRoutingService } from './routing-service.js';
import { createLeadChanges, type LeadChanges } from './lead-changes.js';
import { createNotifications } from '../notify/notifications.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createRateLimits } from '../server/rate-limit.js';
import { createLeadWorkService } from './lead-work-service.js';
import { createLeadListService } from './lead-list-service.js';
import { createLeadStatsService } from './lead-stats-service.js';
import { createSearchIndexing } from './search-indexing.js';
import { createMetrics } from '../ops/metrics.js';
import { createLeadLog } from '../ops/lead-log.js';
import { createWebhooks } from '../webhooks/webhooks.js';

/**
 * With several instances on one database (PostgreSQL), how often each looks in the database for
 * deadlines and due messages it may not have heard of (another instance made them, or died).
 */
export const CLUSTER_POLL_MS = 1000;

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  bus: EventBus;
  config: Config;
  logger: Logger;
}

/** Reads the start-up state the services need (the offer links' secret), then wires them. */
export async function createServices(deps: ServiceDeps) {
  const { store, clock, bus, config, logger } = deps;
  // Phones stored before E.164 (bare digits) get their country before anything reads them.
  const phones = await store.maintenance.rewriteStoredPhones(config.defaultPhoneRegion);
  if (phones.rewritten + phones.unreadable > 0) logger.info(phones, 'stored phones rewritten to E.164');
  const leadChanges = createLeadChanges({ store, clock, logger });
  // GET /metrics (ops/metrics.ts) and the log lines that follow a lead (ops/lead-log.ts).
  const metrics = createMetrics({ clock });
  leadChanges.onCommitted(metrics.onCommitted);
  leadChanges.onCommitted(createLeadLog({ logger, roundDecisions: (leadId, round) => store.leads.routingRoundDecisions(leadId, round) }).onCommitted);
  leadChanges.onCommitted(publishToSubscriptions(bus));
  const actionLinks = createActionLinks(await loadActionLinkSecret(store.org, config.actionLinkSecret), config.publicUrl);
  // SMS and email to agents: outbox rows written in the routing transaction itself (one commit, and
  // none lost to a crash between two); after the commit, a worker sends them.
  // Several instances need Redis (REDIS_URL); without it this instance is the only one, and knows of
  // every deadline and message itself.
  const pollMs = store.cluster && config.redisUrl ? CLUSTER_POLL_MS : null;
  const notifications = createNotifications({ store, actionLinks, clock, config, logger, onAttempt: metrics.deliveryAttempt, pollMs });
  // Webhooks: delivery rows written in the event's transaction, like the notification outbox.
  const webhooks = createWebhooks({ store, clock, logger, allowPrivateNetworks: config.webhookAllowPrivateNetworks, pollMs });
  // Each listener with its drafter (LeadChanges.draftRound). Notifications' first, as before drafts: with
  // webhooks' listener first, the SQLite notify benchmark's email lag went from 4 / 12 ms (p50 / p99) to
  // 460 / 852 ms, for a reason not yet found. A draft declined by a later drafter releases the slots the
  // notifications' draft reserved.
  leadChanges.beforeCommit(notifications.writeOutbox, notifications.draftRound);
  leadChanges.beforeCommit(webhooks.writeOutbox, webhooks.draftRound);
  leadChanges.onCommitted(notifications.onCommitted);
  leadChanges.onCommitted(webhooks.onCommitted);
  // New leads reach the search index in batches after their commit (search-indexing.ts).
  const searchIndexing = createSearchIndexing({ list: store.leadList, logger });
  leadChanges.onCommitted((changes) => {
    if (changes.leadEvents.some((e) => e.event.type === 'CREATED')) searchIndexing.leadsAdded();
  });
  const routing = createRoutingService({ store, changes: leadChanges, clock, phoneRegion: config.defaultPhoneRegion });
  const deadlines = new DeadlineScheduler(clock, {
    processDue: () => routing.processDueDeadlines(),
    earliest: () => routing.earliestPendingDeadline(),
  }, logger.child({ component: 'deadlines' }), pollMs, store.deadlinePasses);
  leadChanges.onDeadline((at) => deadlines.notify(at));
  if (store.cluster && config.redisUrl) shareDeadlines(store.cluster, leadChanges, deadlines, clock, logger);
  // Several instances: each tells the others where it moved a source's round robin (rotation-hints.ts).
  const rotationHints = store.cluster && config.redisUrl
    ? shareRotations({ bus, onRotation: (l) => leadChanges.onRotation(l), heard: (id, r) => routing.rotationHeard(id, r), logger })
    : null;
  // Last uses of API tokens, written a minute at a time rather than on every request.
  const tokenUsage = createTokenUsage({ identity: store.identity, clock, logger });
  return {
    clock,
    bus,
    config,
    logger,
    /** The store port (tests and the DataLoaders read through it directly). */
    stores: store,
    metrics,
    auth: createAuthService({ store, clock, usage: tokenUsage }),
    tokenUsage,
    users: createUserService({ store, changes: leadChanges, routing, phoneRegion: config.defaultPhoneRegion }),
    org: createOrgService({ store, clock }),
    sources: createSourceService({ store }),
    statusCodes: createStatusCodeService({ store }),
    leadChanges,
    routing,
    /** Null on one instance; stopped at shutdown before the bus closes. */
    rotationHints,
    deadlines,
    leads: createLeadService({ store, clock }),
    /** Abuse limits (anonymous intake, login), shared by GraphQL and the plain HTTP routes. */
    limits: createRateLimits(config, clock),
    leadWork: createLeadWorkService({ changes: leadChanges }),
    leadList: createLeadListService({ list: store.leadList }),
    leadStats: createLeadStatsService({ stats: store.leadStats }),
    actionLinks,
    notifications,
    webhooks,
    searchIndexing,
    intake: createLeadIntake({ store, routing, config, logger }),
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;

/**
 * Tells the other instances of a deadline sooner than any they heard of, and arms for theirs. Offers
 * of one source share a window, so a new offer's deadline is almost never the earliest: few signals
 * are sent. Whatever is lost, each scheduler's re-read every CLUSTER_POLL_MS makes good.
 */
function shareDeadlines(cluster: ClusterChannel, changes: LeadChanges, deadlines: DeadlineScheduler, clock: Clock, logger: Logger): void {
  /** The earliest deadline still ahead that every instance has heard of (sent or received), or null. */
  let earliestKnown: number | null = null;
  const known = (at: number) => earliestKnown !== null && earliestKnown > clock.now() && earliestKnown <= at;
  changes.onDeadline((at) => {
    if (known(at)) return;
    earliestKnown = at;
    cluster.publish({ kind: 'deadline', at }).catch((err: unknown) => logger.warn({ err }, 'could not tell the other instances of a deadline; they find it within a second'));
  });
  cluster.subscribe((signal) => {
    if (signal.kind !== 'deadline') return;
    if (!known(signal.at)) earliestKnown = signal.at;
    deadlines.notify(signal.at);
  });
}

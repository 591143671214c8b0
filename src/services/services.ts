// Wires the use cases to one database, clock, event bus and logger. Built once at start.
import type { Logger } from 'pino';
import type { Config } from '../server/config.js';
import type { DatabaseHandle } from '../store/sqlite/database.js';
import { createIdentityStore } from '../store/sqlite/identity-store.js';
import { createOrgStore } from '../store/sqlite/org-store.js';
import { createSourceStore } from '../store/sqlite/source-store.js';
import { createStatusStore } from '../store/sqlite/status-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { Clock } from '../time/clock.js';
import { createAuthService } from './auth-service.js';
import { createUserService } from './user-service.js';
import { createOrgService } from './org-service.js';
import { createSourceService } from './source-service.js';
import { createStatusCodeService } from './status-code-service.js';
import { createLeadStore } from '../store/sqlite/lead-store.js';
import { publishToSubscriptions } from '../events/graphql-publisher.js';
import { DeadlineScheduler } from '../time/deadline-scheduler.js';
import { createActionLinks, loadActionLinkSecret } from './action-links.js';
import { createLeadService } from './lead-service.js';
import { createRoutingService } from './routing-service.js';
import { createLeadChanges } from './lead-changes.js';
import { createNotifications } from '../notify/notifications.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { createRateLimits } from '../server/rate-limit.js';
import { createLeadWorkStore } from '../store/sqlite/lead-work-store.js';
import { createLeadListStore } from '../store/sqlite/lead-list-store.js';
import { createLeadStatsStore } from '../store/sqlite/lead-stats-store.js';
import { createLeadWorkService } from './lead-work-service.js';
import { createLeadListService } from './lead-list-service.js';
import { createLeadStatsService } from './lead-stats-service.js';
import { createSearchIndexing } from './search-indexing.js';

export interface ServiceDeps {
  database: DatabaseHandle;
  clock: Clock;
  bus: EventBus;
  config: Config;
  logger: Logger;
}

export function createServices(deps: ServiceDeps) {
  const { database, clock, bus, config, logger } = deps;
  const stores = {
    identity: createIdentityStore(database.db),
    org: createOrgStore(database.db),
    sources: createSourceStore(database.db),
    statusCodes: createStatusStore(database.db),
    leads: createLeadStore(database.db),
    leadWork: createLeadWorkStore(database.db),
    leadList: createLeadListStore(database.db),
    leadStats: createLeadStatsStore(database.db),
  };
  const leadChanges = createLeadChanges({ leads: stores.leads, clock, logger });
  leadChanges.onCommitted(publishToSubscriptions(bus));
  const actionLinks = createActionLinks(loadActionLinkSecret(stores.org, config.actionLinkSecret), config.publicUrl);
  // SMS and email to agents: outbox rows written in the routing transaction itself (one commit, and
  // none lost to a crash between two); after the commit, a worker sends them.
  const notifications = createNotifications({
    db: database.db, identity: stores.identity, sources: stores.sources, actionLinks, clock, config, logger,
  });
  leadChanges.beforeCommit(notifications.writeOutbox);
  leadChanges.onCommitted(notifications.onCommitted);
  // New leads reach the search index in batches after their commit (search-indexing.ts).
  const searchIndexing = createSearchIndexing({ list: stores.leadList, logger });
  leadChanges.onCommitted((changes) => {
    if (changes.leadEvents.some((e) => e.event.type === 'CREATED')) searchIndexing.leadsAdded();
  });
  const routing = createRoutingService({
    leads: stores.leads, identity: stores.identity, sources: stores.sources, statusCodes: stores.statusCodes,
    org: stores.org, changes: leadChanges, clock,
  });
  const deadlines = new DeadlineScheduler(clock, {
    processDue: () => routing.processDueDeadlines(),
    earliest: () => routing.earliestPendingDeadline(),
  }, logger.child({ component: 'deadlines' }));
  leadChanges.onDeadline((at) => deadlines.notify(at));
  return {
    clock,
    bus,
    config,
    logger,
    stores,
    auth: createAuthService({ identity: stores.identity, clock }),
    users: createUserService({ identity: stores.identity, org: stores.org, changes: leadChanges, routing }),
    org: createOrgService({ identity: stores.identity, org: stores.org, clock }),
    sources: createSourceService({ sources: stores.sources, org: stores.org }),
    statusCodes: createStatusCodeService({ statusCodes: stores.statusCodes }),
    leadChanges,
    routing,
    deadlines,
    leads: createLeadService({ leads: stores.leads, clock }),
    /** Abuse limits (anonymous intake, login), shared by GraphQL and the plain HTTP routes. */
    limits: createRateLimits(config, clock),
    leadWork: createLeadWorkService({
      leads: stores.leads, work: stores.leadWork, identity: stores.identity, org: stores.org,
      statusCodes: stores.statusCodes, changes: leadChanges,
    }),
    leadList: createLeadListService({ list: stores.leadList }),
    leadStats: createLeadStatsService({ stats: stores.leadStats }),
    actionLinks,
    notifications,
    searchIndexing,
    intake: createLeadIntake({ db: database.db, identity: stores.identity, routing, config, logger }),
  };
}

export type Services = ReturnType<typeof createServices>;

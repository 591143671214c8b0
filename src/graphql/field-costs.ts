// What each list of the schema can hold and what the expensive fields cost beyond themselves: the
// figures the query-cost model (query-cost.ts) multiplies and adds. One entry per schema coordinate
// (`Type.field`). test/graphql/query-limits.test.ts walks the schema and fails when a list field has
// no entry here, so a new list cannot slip in at the default size.
//
// Where a list has a hard bound (a page's `first`, a race's agent count, an enum's values) that bound
// is the size. Where it has none (every user, a lead's offers), the size is an estimate of a large
// brokerage, stated beside it: the model prices what a screen asks of the server, and the limit was
// set from measured resolution times of a seeded brokerage with these estimates
// (scripts/bench-query-cost.ts).
import { MAX_WORKING_HOURS } from '../domain/local-time.js';
import { MAX_SERVICE_AREAS } from '../domain/service-areas.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/lead-list-service.js';
import { MAX_DELIVERIES_LISTED } from '../webhooks/webhooks.js';

/** The coerced arguments of a field. */
export type Args = Readonly<Record<string, unknown>>;

/**
 * What the walk hands a connection's own fields: the page size (for its `edges`/`nodes` lists) and
 * what counting every match would cost (for `totalCount`).
 */
export interface ConnectionScope {
  page: number;
  count: number;
}

export interface FieldCost {
  /** A list field: how many items it holds (hard bound or estimate), from its arguments. */
  size?: number | ((args: Args) => number);
  /** A connection field: its page size and count cost, handed to its own fields. */
  connection?: (args: Args) => ConnectionScope;
  /** A list of a connection (`edges`): as many items as the connection's page. */
  page?: true;
  /** A connection's `totalCount`: costs what the connection says counting costs. */
  count?: true;
  /** Work beyond resolving the field (a search, a dashboard's reads), in cost units, from its arguments. */
  extra?: (args: Args) => number;
}

// Estimates of a large brokerage (no hard bound exists).
/** Users of the brokerage (every user, an agent's routing candidates, a dashboard's agents). */
export const ROSTER = 1000;
/** Offices, tags, lead groups: short lists an admin keeps. */
const ADMIN_LIST = 50;
/** Lead sources. */
const SOURCES = 100;
/** Status codes. */
const STATUS_CODES = 30;
/**
 * A lead's offers: rounds × raceAgentCount. Most leads are won in the first or second round of one to
 * five agents (the seeded brokerage: 3 per lead on average); 10 covers three rounds of three.
 */
export const LEAD_OFFERS = 10;
/** A lead's events: CREATED, an OFFERED and an answer per offer, ASSIGNED, status changes and work. */
export const LEAD_EVENTS = 25;
/** A lead's routing decisions: every agent considered, in each of about two rounds. */
const ROUTING_DECISIONS = 2 * ROSTER;
/** Contacts logged with a lead's client: a call, a text, a meeting or two a week over a few weeks. */
const LEAD_CONTACTS = 10;
/** Agents working a lead with its owner. */
const LEAD_USERS = 5;
/** An agent's pending offers. */
const PENDING_OFFERS = 20;
/** A lead's notifications: an SMS and an email per offer, and a confirmation of each. */
const LEAD_NOTIFICATIONS = 4 * LEAD_OFFERS;
/** The lead event types (an enum: its values, with room for new ones). */
const LEAD_EVENT_TYPES = 20;
/** Members of one lead group. */
const GROUP_MEMBERS = 100;
/** A user's API tokens: one per device or integration, a handful each. */
const USER_API_TOKENS = 20;
/** A user's offices (an agent works in one to three) and tags (a handful). */
const USER_OFFICES = 3;
const USER_TAGS = 5;

// Work beyond the fields, in cost units. One unit is about 5 µs: what resolving one field of a screen
// of leads took, measured with scripts/bench-query-cost.ts at 300,000 leads on a shared 2-core machine
// (4-9 µs a unit; 2 µs for a tree of small objects). The times below are from the same runs.
/**
 * A search of the lead list. One agent's (an agent's list, or an admin's filtered by owner) reads
 * that agent's leads: about 1 ms. An admin's walks the trigram index until the page is full: 1-9 ms,
 * more when the other filters pass few of the term's matches (with a creation date a year back,
 * 270 ms: the date range adds its own cost below). Priced so that a request holds a handful of
 * searches: fifty aliased ones, 7.9 s before agents' searches were bounded, are refused.
 */
export const SEARCH_COST = 5_000;
/**
 * A page filtered by creation date: no index serves the date in the list's id order, so the page walks
 * the newer leads until it reaches the range (a range a year back: 60-340 ms at 300,000 leads).
 */
export const DATE_RANGE_COST = 5_000;
/** Counting every lead that matches a filter (totalCount) without a search: 0.5-60 ms. */
export const COUNT_COST = 5_000;
/** Counting every match of a search: walks every lead the term matches, 240-350 ms for a term every lead holds. */
export const SEARCH_COUNT_COST = 20_000;
/** The dashboard's reads (leadStats) before its lists are resolved: 30-130 ms. */
export const STATS_COST = 10_000;

/** The lead list's filter, as far as its price goes. */
function filterOf(args: Args): { search?: unknown; createdFrom?: unknown; createdTo?: unknown } {
  const filter = args.filter;
  return filter && typeof filter === 'object' ? filter : {};
}

/** Whether a lead list's arguments ask for a search (a blank one is none: the service ignores it). */
function searches(args: Args): boolean {
  const { search } = filterOf(args);
  return typeof search === 'string' && search.trim() !== '';
}

/** What a lead list page costs beyond its fields: a search, a creation-date range. */
function listWork(args: Args): number {
  const { createdFrom, createdTo } = filterOf(args);
  return (searches(args) ? SEARCH_COST : 0) + (createdFrom != null || createdTo != null ? DATE_RANGE_COST : 0);
}

/** A page size as the lead list serves it: `first`, else the default; more than the maximum is refused. */
function leadPage(args: Args): number {
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(first, 0), MAX_PAGE_SIZE);
}

export const FIELD_COSTS: Readonly<Record<string, FieldCost>> = {
  'Query.leads': {
    connection: (args) => ({ page: leadPage(args), count: searches(args) ? SEARCH_COUNT_COST : COUNT_COST }),
    extra: listWork,
  },
  'LeadConnection.edges': { page: true },
  'LeadConnection.totalCount': { count: true },
  'Query.leadStats': { extra: () => STATS_COST },
  'Query.users': { size: ROSTER },
  'Query.offices': { size: ADMIN_LIST },
  'Query.tags': { size: ADMIN_LIST },
  'Query.leadGroups': { size: ADMIN_LIST },
  'Query.leadSources': { size: SOURCES },
  'Query.statusCodes': { size: STATUS_CODES },
  'Query.myOffers': { size: PENDING_OFFERS },
  'Query.apiTokens': { size: USER_API_TOKENS },
  'Query.notifications': { size: LEAD_NOTIFICATIONS },
  'Mutation.reorderStatusCodes': { size: STATUS_CODES },
  'Lead.offers': { size: LEAD_OFFERS },
  'Lead.events': { size: LEAD_EVENTS },
  // routing(round:) and routing(last: true) hold one round: every agent considered once.
  'Lead.routing': { size: (args) => (args.round != null || args.last === true ? ROSTER : ROUTING_DECISIONS) },
  'Lead.users': { size: LEAD_USERS },
  'Lead.contacts': { size: LEAD_CONTACTS },
  'LeadGroup.members': { size: GROUP_MEMBERS },
  // At most raceAgentCount agents, which is at most 50 (source-service.ts).
  'LeadSource.nextUp': { size: 50 },
  // Every agent considered for a first round.
  'Query.routingPreview': { size: ROSTER },
  'LeadSource.offices': { size: ADMIN_LIST },
  // One per lead state.
  'LeadStats.byState': { size: 3 },
  'LeadStats.bySource': { size: SOURCES },
  'LeadStats.byStatus': { size: STATUS_CODES },
  'LeadStats.perAgent': { size: ROSTER },
  'LeadStats.reclaimsByAgent': { size: ROSTER },
  'User.offices': { size: USER_OFFICES },
  'User.tags': { size: USER_TAGS },
  'User.workingHours': { size: MAX_WORKING_HOURS },
  'User.serviceAreas': { size: MAX_SERVICE_AREAS },
  // A brokerage's integrations (CRM, dialer, reporting): a short list an admin keeps.
  'Query.webhooks': { size: ADMIN_LIST },
  // At most every lead event type (an enum's values, with room for new ones).
  'Webhook.eventTypes': { size: LEAD_EVENT_TYPES },
  'CreatedWebhook.eventTypes': { size: LEAD_EVENT_TYPES },
  // `first`, at most MAX_DELIVERIES_LISTED (a larger one is refused).
  'Webhook.deliveries': { size: (args) => Math.min(Math.max(typeof args.first === 'number' ? args.first : 20, 0), MAX_DELIVERIES_LISTED) },
};

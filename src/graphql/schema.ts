// Builds the executable schema from the type-graphql resolvers. scripts/emit-schema.ts prints it to
// schema/schema.graphql; CI checks that the committed file matches.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import { applyFieldAccess } from './field-access.js';
import './types/enums.js';
import { UserResolver } from './resolvers/user-resolver.js';
import { LeadGroupResolver, OrgResolver } from './resolvers/org-resolver.js';
import { SourceResolver } from './resolvers/source-resolver.js';
import { StatusCodeResolver } from './resolvers/status-code-resolver.js';
import { NotificationResolver } from './resolvers/notification-resolver.js';
import { WebhookResolver } from './resolvers/webhook-resolver.js';
import {
  LeadContactResolver, LeadEventResolver, LeadResolver, OfferResolver, RoutingDecisionResolver, SourceRoutingResolver,
} from './resolvers/lead-resolver.js';
import {
  AgentOfferStatsResolver, AgentReclaimCountResolver, LeadConnectionResolver, LeadEventStatusResolver, LeadSourceCountResolver,
  LeadStatusCountResolver, LeadWorkResolver, PageInfoResolver,
} from './resolvers/lead-work-resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  UserResolver, OrgResolver, LeadGroupResolver, SourceResolver, StatusCodeResolver, NotificationResolver,
  LeadResolver, OfferResolver, LeadEventResolver, RoutingDecisionResolver, SourceRoutingResolver,
  LeadWorkResolver, LeadConnectionResolver, LeadSourceCountResolver, LeadStatusCountResolver,
  AgentOfferStatsResolver, LeadEventStatusResolver, PageInfoResolver, WebhookResolver, LeadContactResolver, AgentReclaimCountResolver,
];

let cached: GraphQLSchema | null = null;

// type-graphql insists on a PubSub whenever a schema has subscriptions. Ours never use its topics:
// each @Subscription has its own `subscribe` over the running server's EventBus (narrow channels,
// one bus per server), so this one only guards against a subscription declared with `topics`.
const topicsNotUsed = {
  publish(): void {
    throw new Error('publish through the EventBus, not the type-graphql PubSub');
  },
  subscribe(): never {
    throw new Error('declare subscriptions with `subscribe` over the EventBus, not `topics`');
  },
};

/**
 * type-graphql gives the root types no description; every type of the schema has one (a test walks
 * the schema for any that is missing), so they are set here.
 */
const ROOT_DESCRIPTIONS = {
  Query: 'Reads. Send Authorization: Bearer <token>; each field says who may read it (UNAUTHENTICATED without a valid '
    + 'token, FORBIDDEN when not allowed).',
  Mutation: 'Changes. Each runs in one transaction: when it fails, nothing is written. Each field says who may call it; '
    + 'login and submitLead with a sourceKey need no token.',
  Subscription: 'Live events over graphql-ws (graphql-transport-ws) on the same URL, /graphql. The token goes in the '
    + 'connection params, { "authorization": "Bearer <token>" }; a socket without a valid token is closed with 4403.',
} as const;

function describeRootTypes(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (type && type.name in ROOT_DESCRIPTIONS) type.description = ROOT_DESCRIPTIONS[type.name as keyof typeof ROOT_DESCRIPTIONS];
  }
}

/** The schema is the same for every server in the process: build it once, with its field access rules. */
export function getSchema(): GraphQLSchema {
  if (!cached) {
    const schema = buildSchemaSync({ resolvers, validate: false, pubSub: topicsNotUsed });
    applyFieldAccess(schema);
    describeRootTypes(schema);
    cached = schema;
  }
  return cached;
}

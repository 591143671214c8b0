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
import {
  LeadEventResolver, LeadResolver, OfferResolver, RoutingDecisionResolver, SourceRoutingResolver,
} from './resolvers/lead-resolver.js';
import {
  AgentOfferStatsResolver, LeadConnectionResolver, LeadEventStatusResolver, LeadSourceCountResolver,
  LeadStatusCountResolver, LeadWorkResolver,
} from './resolvers/lead-work-resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  UserResolver, OrgResolver, LeadGroupResolver, SourceResolver, StatusCodeResolver, NotificationResolver,
  LeadResolver, OfferResolver, LeadEventResolver, RoutingDecisionResolver, SourceRoutingResolver,
  LeadWorkResolver, LeadConnectionResolver, LeadSourceCountResolver, LeadStatusCountResolver,
  AgentOfferStatsResolver, LeadEventStatusResolver,
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

/** The schema is the same for every server in the process: build it once, with its field access rules. */
export function getSchema(): GraphQLSchema {
  if (!cached) {
    const schema = buildSchemaSync({ resolvers, validate: false, pubSub: topicsNotUsed });
    applyFieldAccess(schema);
    cached = schema;
  }
  return cached;
}

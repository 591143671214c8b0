// The event bus port: services publish after their transaction commits; subscriptions read from
// narrow channels (one per agent, one per lead). The default implementation is in-process; a
// Redis-backed one can take its place to serve several server instances.
import { createPubSub } from '@graphql-yoga/subscription';

export interface EventBus {
  publish(channel: string, payload: unknown): void;
  subscribe<T>(channel: string): AsyncIterable<T>;
}

/** Channel names are built here and only here. */
export const channels = {
  /** Offer events for one agent. */
  offers: (userId: number) => `offers:${userId}`,
  /** Events of one lead. */
  lead: (leadId: number) => `lead-events:lead:${leadId}`,
  /** Events of the leads one agent owns or works. */
  userLeads: (userId: number) => `lead-events:user:${userId}`,
  /** Every lead's events: the admins' feed. */
  allLeads: () => 'lead-events:all',
};

export function createInProcessEventBus(): EventBus {
  const pubSub = createPubSub<Record<string, [unknown]>>();
  return {
    publish: (channel, payload) => pubSub.publish(channel, payload),
    subscribe: <T>(channel: string) => pubSub.subscribe(channel) as AsyncIterable<T>,
  };
}

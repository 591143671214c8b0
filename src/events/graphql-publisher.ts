// Turns committed routing changes into subscription messages on narrow channels: each offer goes
// to its agent's channel; each lead event to the lead's channel, the admins' feed, and the
// channels of the lead's owner and users, and of whoever just lost the lead (a last event).
import type { CommittedChanges, LeadChange, OfferChange } from './routing-events.js';
import { channels, type EventBus } from './event-bus.js';

export function publishToSubscriptions(bus: EventBus) {
  return (changes: CommittedChanges): void => {
    for (const change of changes.offers) bus.publish(channels.offers(change.offer.agentId), change satisfies OfferChange);
    for (const change of changes.leadEvents) {
      bus.publish(channels.lead(change.lead.id), change satisfies LeadChange);
      bus.publish(channels.allLeads(), change);
      for (const userId of change.audience) bus.publish(channels.userLeads(userId), change);
      for (const userId of change.former) bus.publish(channels.userLeads(userId), change);
    }
  };
}

// What was sent to agents about a lead (ADMIN).
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { notFound } from '../../domain/errors.js';
import type { NotificationRow } from '../../store/rows.js';
import { type GraphQLContext, requireAdmin } from '../context.js';
import { targetId } from '../ids.js';
import { Notification } from '../types/notification-types.js';

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => [Notification], { description: 'What was sent to agents about a lead, through each channel, oldest first (ADMIN).' })
  async notifications(
    @Arg('leadId', () => ID, { description: 'The lead (NOT_FOUND when there is none).' }) leadId: string,
     @Ctx() ctx: GraphQLContext): Promise<NotificationRow[]> {
    requireAdmin(ctx);
    const id = targetId(leadId, 'lead');
    if (!await ctx.services.stores.leads.findLead(id)) throw notFound('lead');
    return ctx.services.notifications.ofLead(id);
  }
}

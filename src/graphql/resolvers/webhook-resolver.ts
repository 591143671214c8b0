// Webhooks (ADMIN): register, list with their latest deliveries, delete.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { WebhookDeliveryRow, WebhookRow } from '../../store/rows.js';
import { MAX_DELIVERIES_LISTED } from '../../webhooks/webhooks.js';
import { type GraphQLContext, requireAdmin } from '../context.js';
import { targetId } from '../ids.js';
import { CreatedWebhook, Webhook, WebhookDelivery, WebhookInput } from '../types/webhook-types.js';

@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => [Webhook], { description: 'Every webhook, oldest first (ADMIN).' })
  webhooks(@Ctx() ctx: GraphQLContext): Promise<readonly WebhookRow[]> {
    requireAdmin(ctx);
    return ctx.services.webhooks.list();
  }

  @Mutation(() => CreatedWebhook, {
    description: 'ADMIN. Registers a webhook: from now on every lead event of the chosen types is POSTed to its URL (see Webhook). '
      + 'The answer holds the signing secret, shown only this once.',
  })
  createWebhook(@Arg('input', () => WebhookInput, { description: 'The URL and the event types.' }) input: WebhookInput,
    @Ctx() ctx: GraphQLContext): Promise<WebhookRow> {
    requireAdmin(ctx);
    return ctx.services.webhooks.create({ url: input.url, eventTypes: input.eventTypes ?? [] });
  }

  @Mutation(() => Boolean, {
    description: 'ADMIN. Deletes the webhook with its deliveries: nothing more is sent to it, retries included. True; NOT_FOUND when '
      + 'there is no such webhook.',
  })
  deleteWebhook(@Arg('id', () => ID, { description: 'The webhook.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    requireAdmin(ctx);
    return ctx.services.webhooks.delete(targetId(id, 'webhook'));
  }

  @FieldResolver(() => [WebhookDelivery], { description: 'Its latest deliveries, newest first.' })
  deliveries(
    @Root() webhook: WebhookRow,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { defaultValue: 20, description: `How many, 1 to ${MAX_DELIVERIES_LISTED} (default 20).` }) first: number,
  ): Promise<WebhookDeliveryRow[]> {
    return ctx.services.webhooks.deliveries(webhook.id, first);
  }
}

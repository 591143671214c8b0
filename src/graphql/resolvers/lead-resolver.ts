// Leads in, offers answered, leads read — with contact details only for those entitled to them.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { badInput, DomainError, ErrorCode } from '../../domain/errors.js';
import type { Viewer } from '../../domain/viewer.js';
import { channels, filterStream } from '../../events/event-bus.js';
import type { LeadChange, OfferChange } from '../../events/routing-events.js';
import type { LeadView } from '../../services/lead-service.js';
import type { LeadContactRow, LeadEventRow, LeadRow, OfferRow } from '../../store/rows.js';
import { type GraphQLContext, requireAdmin, requireViewer } from '../context.js';
import { inputId, targetId } from '../ids.js';
import { Lead, LeadContact, LeadEvent, Offer, OfferEvent, RoutingDecision, SubmitLeadInput } from '../types/lead-types.js';
import type { RoutingReasonEnum } from '../types/enums.js';
import { User } from '../types/org-types.js';
import { ADMIN_ONLY, LeadSource, RoutingPreviewEntry } from '../types/source-types.js';
import { StatusCode } from '../types/status-code-types.js';

/** An offer as the API hands it out, optionally with its lead already resolved for the viewer. */
export type OfferView = OfferRow & { leadView?: LeadView };
/** A lead event, with the lead as it stood after the change when it came from a subscription. */
/** leadRow and former come with a live event (LeadChange); a stored event has neither. */
export type LeadEventView = LeadEventRow & { leadRow?: LeadRow; former?: readonly number[] };

/** The access an offer's recipient has to its lead, known without a query. */
function viewForRecipient(viewer: Viewer, lead: LeadRow): LeadView {
  return { ...lead, access: viewer.role === 'ADMIN' || lead.ownerId === viewer.id ? 'FULL' : 'LIMITED' };
}

@Resolver(() => Lead)
export class LeadResolver {
  @Query(() => Lead, { description: 'A lead you may see: admins any; agents those they own, work, or were offered.' })
  lead(@Arg('id', () => ID, { description: "The lead's id." }) id: string, @Ctx() ctx: GraphQLContext): Promise<LeadView> {
    return ctx.services.leads.getLead(requireViewer(ctx), targetId(id, 'lead'));
  }

  @Mutation(() => Lead, { description: 'A lead comes in: by an admin with sourceId, or by anyone with the source key.' })
  async submitLead(
    @Arg('input', () => SubmitLeadInput, { description: 'The lead and where it came from.' }) input: SubmitLeadInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    // Intake by a source key is public (the key sits in a web page), so it is rate limited per client
    // address whoever calls: a token does not lift the limit. Only an admin's sourceId submission is exempt.
    // Without a source key the caller must be signed in: a token that is not valid says so, not "sign in".
    if (!input.sourceKey && ctx.tokenRejected) requireViewer(ctx);
    const adminBySourceId = ctx.viewer?.role === 'ADMIN' && !input.sourceKey && input.sourceId != null;
    if (!adminBySourceId) ctx.services.limits.intake.enforce(ctx.clientIp);
    const { lead } = await ctx.services.routing.submitLead({
      ...input,
      sourceId: input.sourceId != null ? inputId('sourceId', input.sourceId) : null,
      targetUserId: input.targetUserId != null ? inputId('targetUserId', input.targetUserId) : null,
    }, ctx.viewer);
    // A replayed externalId returns an existing lead: only what the caller could see anyway (a receipt).
    return ctx.services.leads.submittedLead(ctx.viewer, lead);
  }

  @FieldResolver(() => Boolean, {
    description: 'True when you see this lead in part: lastName, email, phone, referralFeePercent and owner are then null, '
      + 'and users and events empty, because you may not see them, not because the lead has none.',
  })
  contactHidden(@Root() lead: LeadView): boolean {
    return lead.access !== 'FULL';
  }

  @FieldResolver(() => LeadSource, {
    description: 'The source it came in through. Whoever sees the lead sees the source\'s id and name; its other fields are for admins.',
  })
  async source(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext) {
    const source = await ctx.loaders.leadSource.load(lead.sourceId);
    if (!source) throw new Error(`lead ${lead.id} names missing source ${lead.sourceId}`);
    return source;
  }

  @FieldResolver(() => StatusCode, {
    nullable: true,
    description: 'Where the work on the lead stands ("New" for a new lead). Null when no default status code existed when the lead '
      + 'came in, or when hidden from you.',
  })
  status(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext) {
    return lead.statusCodeId === null ? null : ctx.loaders.statusCode.load(lead.statusCodeId);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'The agent who owns the lead; null while it has none (ROUTING, UNASSIGNED), or when hidden from you (contactHidden).',
  })
  owner(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext) {
    return lead.ownerId !== null ? ctx.loaders.user.load(lead.ownerId) : null;
  }

  @FieldResolver(() => [User], {
    description: 'Agents who work the lead with its owner; empty when none, or when hidden from you (contactHidden).',
  })
  async users(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext) {
    const ids = await ctx.services.leads.userIdsOfLead(lead.id);
    return (await ctx.loaders.user.loadMany(ids)).filter((u) => u !== null && !(u instanceof Error));
  }

  @FieldResolver(() => [LeadContact], {
    description: 'Contacts logged with the client (logContact), oldest first; empty when none, or when hidden from you (contactHidden).',
  })
  contacts(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext): Promise<LeadContactRow[]> {
    return ctx.services.leads.contactsOfLead(lead.id);
  }

  @FieldResolver(() => Lead, {
    nullable: true,
    description: 'REPEAT: the earlier lead of the same client whose owner this one went to (null when you may not see that '
      + 'lead); null for any other kind, or when hidden from you (contactHidden).',
  })
  async repeatOf(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext): Promise<LeadView | null> {
    if (lead.repeatOfId === null) return null;
    return ctx.services.leads.visibleLead(requireViewer(ctx), lead.repeatOfId);
  }

  @FieldResolver(() => [Offer], { description: 'Admins: every offer of the lead; agents: their own.' })
  async offers(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext): Promise<OfferView[]> {
    const viewer = requireViewer(ctx);
    const all = await ctx.services.leads.offersOfLead(lead.id);
    const mine = viewer.role === 'ADMIN' ? all : all.filter((o) => o.agentId === viewer.id);
    return mine.map((o) => ({ ...o, leadView: lead }));
  }

  @FieldResolver(() => [LeadEvent], {
    description: 'The audit trail, oldest first. For admins and the lead\'s owner and users; empty for anyone else (contactHidden).',
  })
  async events(@Root() lead: LeadView, @Ctx() ctx: GraphQLContext): Promise<LeadEventView[]> {
    return (await ctx.services.leads.eventsOfLead(lead.id)).map((e) => ({ ...e, leadRow: lead }));
  }

  @FieldResolver(() => [RoutingDecision], {
    nullable: true,
    description: 'ADMIN: every agent considered in each round, and why, by round then distribution-list order. It grows with '
      + 'agents × rounds: ask for one round with `round` or `last`. For anyone else null, with FORBIDDEN on this field alone.',
  })
  async routing(
    @Root() lead: LeadView,
    @Arg('round', () => Int, {
      nullable: true,
      description: 'Only this round (from 1); a round the lead has not reached gives []. BAD_USER_INPUT below 1 or with last: true.',
    }) round: number | null,
    @Arg('last', () => Boolean, {
      nullable: true,
      description: 'true: only the latest round ([] before the first). Left out or false: as `round` says, else every round.',
    }) last: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RoutingDecision[]> {
    // Admins only: the rule is applied in field-access.ts, on every path to a lead.
    if (round != null && round < 1) throw badInput('round', `must be 1 or more, got ${round}`);
    if (round != null && last === true) throw badInput('last', 'give round or last: true, not both');
    const only = last === true ? 'LAST' : round ?? null;
    return (await ctx.services.leads.routingRounds(lead.id, only)).flatMap((r) =>
      r.decisions.map(([agentId, reason]) => Object.assign(new RoutingDecision(), { round: r.round, at: r.at, reason, agentId } as RoutingDecision)));
  }
}

@Resolver(() => LeadContact)
export class LeadContactResolver {
  @FieldResolver(() => User, { description: 'Who logged it.' })
  by(@Root() contact: LeadContactRow, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.user.load(contact.byUserId);
  }
}

@Resolver(() => RoutingDecision)
export class RoutingDecisionResolver {
  @FieldResolver(() => User, { description: 'The agent considered.' })
  agent(@Root() decision: RoutingDecision, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.user.load(decision.agentId);
  }
}

@Resolver(() => Offer)
export class OfferResolver {
  @Query(() => [Offer], { description: "The caller's offers that are still PENDING, oldest first." })
  myOffers(@Ctx() ctx: GraphQLContext): Promise<OfferView[]> {
    return ctx.services.leads.myPendingOffers(requireViewer(ctx));
  }

  @Mutation(() => Offer, { description: 'The first acceptance of a lead wins; every other pending offer becomes TAKEN.' })
  async acceptOffer(
    @Arg('offerId', () => ID, { description: 'One of your PENDING offers (Offer.id).' }) offerId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OfferView> {
    const viewer = requireViewer(ctx);
    const { offer, lead } = await ctx.services.routing.acceptOffer(targetId(offerId, 'offer'), viewer);
    return { ...offer, leadView: { ...lead, access: 'FULL' } };
  }

  @Mutation(() => Offer, { description: 'Decline an offer; when nobody in the round is left, the next round starts.' })
  declineOffer(
    @Arg('offerId', () => ID, { description: 'One of your PENDING offers (Offer.id).' }) offerId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OfferRow> {
    return ctx.services.routing.declineOffer(targetId(offerId, 'offer'), requireViewer(ctx));
  }

  @FieldResolver(() => Lead, {
    description: 'The lead offered: its agent sees the limited view (firstName, message, source) until they win it.',
  })
  lead(@Root() offer: OfferView, @Ctx() ctx: GraphQLContext): LeadView | Promise<LeadView> {
    return offer.leadView ?? ctx.services.leads.getLead(requireViewer(ctx), offer.leadId);
  }

  @FieldResolver(() => User, { description: 'The agent the lead was offered to.' })
  agent(@Root() offer: OfferView, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.user.load(offer.agentId);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'A link (for SMS and email) to a page where the agent accepts or declines without signing in. '
      + 'Only for the offer\'s agent and admins.',
  })
  actionUrl(@Root() offer: OfferView, @Ctx() ctx: GraphQLContext): string | null {
    const viewer = requireViewer(ctx);
    if (viewer.role !== 'ADMIN' && viewer.id !== offer.agentId) return null;
    return ctx.services.actionLinks.url(offer.id, offer.agentId);
  }

  @Subscription(() => OfferEvent, {
    description: "The connected agent's offers as they change: RECEIVED, then one of ACCEPTED, DECLINED, EXPIRED, TAKEN.",
    subscribe: ({ context }) => {
      const viewer = requireViewer(context as GraphQLContext);
      return (context as GraphQLContext).services.bus.subscribe<OfferChange>(channels.offers(viewer.id));
    },
  })
  offers(@Root() change: OfferChange, @Ctx() ctx: GraphQLContext) {
    const viewer = requireViewer(ctx);
    return { type: change.type, offer: { ...change.offer, leadView: viewForRecipient(viewer, change.lead) } };
  }
}

@Resolver(() => LeadEvent)
export class LeadEventResolver {
  @Subscription(() => LeadEvent, {
    description: "ADMIN: every lead's events; AGENT: events of the leads they own or work, and the one that takes a lead away from them. With leadId: that lead's only.",
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const viewer = requireViewer(ctx);
      const raw = (args as { leadId?: string | null }).leadId;
      const bus = ctx.services.bus;
      if (raw == null) {
        return bus.subscribe<LeadChange>(viewer.role === 'ADMIN' ? channels.allLeads() : channels.userLeads(viewer.id));
      }
      const lead = await ctx.services.leads.getLead(viewer, targetId(raw, 'lead'));
      if (lead.access !== 'FULL') throw new DomainError(ErrorCode.NOT_FOUND, 'lead not found');
      const stream = bus.subscribe<LeadChange>(channels.lead(lead.id));
      // An agent hears a lead's events while they own or work it, and the event that took it away.
      return viewer.role === 'ADMIN' ? stream
        : filterStream(stream, (c) => c.audience.includes(viewer.id) || c.former.includes(viewer.id));
    },
  })
  leadEvents(
    @Root() change: LeadChange,
    @Arg('leadId', () => ID, {
      nullable: true,
      description: 'Only this lead\'s events; you must see the lead in full (NOT_FOUND otherwise). Left out: every event you may hear.',
    }) _leadId: string | null,
  ): LeadEventView {
    return { ...change.event, leadRow: change.lead, former: change.former };
  }

  @FieldResolver(() => Lead, {
    description: 'The lead the event is about; on the subscription, as it stood right after the change (the limited view '
      + 'to someone the change took the lead from).',
  })
  lead(@Root() event: LeadEventView, @Ctx() ctx: GraphQLContext): LeadView | Promise<LeadView> {
    const viewer = requireViewer(ctx);
    if (event.leadRow && (viewer.role === 'ADMIN' || event.leadRow.ownerId === viewer.id)) {
      return { ...event.leadRow, access: 'FULL' };
    }
    // Someone who just lost the lead sees which lead it was, without its contact details.
    if (event.leadRow && event.former?.includes(viewer.id)) {
      return { ...event.leadRow, access: 'LIMITED' };
    }
    return ctx.services.leads.getLead(viewer, event.leadId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The agent the event concerns (offered, declining, new owner).' })
  agent(@Root() event: LeadEventView, @Ctx() ctx: GraphQLContext) {
    return event.agentId === null ? null : ctx.loaders.user.load(event.agentId);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'Who caused it (admins only); null for the system or a web form, or when actorHidden.',
  })
  actor(@Root() event: LeadEventView, @Ctx() ctx: GraphQLContext) {
    if (event.actorId === null || ctx.viewer?.role !== 'ADMIN') return null;
    return ctx.loaders.user.load(event.actorId);
  }

  @FieldResolver(() => Boolean, {
    description: 'True when a person caused the event but you may not see who (actor is null because it is hidden, '
      + 'not because the system or a web form did it).',
  })
  actorHidden(@Root() event: LeadEventView, @Ctx() ctx: GraphQLContext): boolean {
    return event.actorId !== null && ctx.viewer?.role !== 'ADMIN';
  }
}

@Resolver(() => LeadSource)
export class SourceRoutingResolver {
  @Query(() => [RoutingPreviewEntry], {
    description: 'ADMIN. What a new GENERAL lead of this source (with this postal code) would get now, without submitting '
      + 'one: every agent considered for its first round, in distribution-list order, and why. Writes nothing: nextUp and '
      + 'the rotation are unchanged.',
  })
  async routingPreview(
    @Arg('sourceId', () => ID, { description: 'The lead source.' }) sourceId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('postalCode', () => String, { nullable: true, description: "The lead's postal code (for service areas); optional." })
    postalCode?: string | null,
  ): Promise<{ agent: unknown; reason: RoutingReasonEnum }[]> {
    requireAdmin(ctx);
    const decisions = await ctx.services.routing.routingPreview(targetId(sourceId, 'lead source'), postalCode ?? null);
    const users = await ctx.loaders.user.loadMany(decisions.map(([id]) => id));
    return decisions.flatMap(([, reason], i) => {
      const agent = users[i];
      return agent && !(agent instanceof Error) ? [{ agent, reason: reason as RoutingReasonEnum }] : [];
    });
  }

  @FieldResolver(() => [User], {
    nullable: true,
    description: `The agents who would be offered this source's next general lead, in order (who is up next).${ADMIN_ONLY}`,
  })
  async nextUp(@Root() source: { id: number }, @Ctx() ctx: GraphQLContext) {
    // Admins only: field-access.ts.
    const ids = await ctx.services.routing.nextUp(source.id);
    return (await ctx.loaders.user.loadMany(ids)).filter((u) => u !== null && !(u instanceof Error));
  }
}

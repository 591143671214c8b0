// Working leads (status, owner, users, the unassigned pool), the lead list and the dashboard.
// Thin: parse ids, call the service, map rows; the rules live in services/ and domain/.
import { Arg, Ctx, FieldResolver, GraphQLISODateTime, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { LeadView } from '../../services/lead-service.js';
import { encodeCursor, type LeadPage } from '../../services/lead-list-service.js';
import type { AgentStats, LeadStatsResult } from '../../services/lead-stats-service.js';
import type { LeadListFilter } from '../../store/port.js';
import { type GraphQLContext, requireAdmin, requireViewer } from '../context.js';
import { inputId, targetId } from '../ids.js';
import { Lead, LeadEvent } from '../types/lead-types.js';
import { ContactKindEnum } from '../types/enums.js';
import {
  AgentOfferStats, AgentReclaimCount, LeadConnection, LeadFilter, LeadSourceCount, LeadStats, LeadStatusCount, PageInfo,
} from '../types/lead-work-types.js';
import { User } from '../types/org-types.js';
import { LeadSource } from '../types/source-types.js';
import { StatusCode } from '../types/status-code-types.js';
import type { LeadEventView } from './lead-resolver.js';

/** PageInfo as its field resolvers see it: hasPreviousPage is looked up only when selected. */
interface PageInfoView {
  hasNextPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
  page: LeadPage;
}

/** A page as the connection's field resolvers see it: totalCount is counted only when selected. */
interface LeadConnectionView {
  edges: { cursor: string; node: LeadView }[];
  pageInfo: PageInfoView;
  page: LeadPage;
}

function listFilter(filter: LeadFilter | null | undefined): LeadListFilter {
  if (!filter) return {};
  return {
    state: filter.state ?? null,
    sourceId: filter.sourceId != null ? inputId('sourceId', filter.sourceId) : null,
    ownerId: filter.ownerId != null ? inputId('ownerId', filter.ownerId) : null,
    statusCodeId: filter.statusCodeId != null ? inputId('statusCodeId', filter.statusCodeId) : null,
    createdFrom: filter.createdFrom ?? null,
    createdTo: filter.createdTo ?? null,
    search: filter.search ?? null,
  };
}

@Resolver(() => Lead)
export class LeadWorkResolver {
  @Mutation(() => Lead, { description: "Owner, users and admins set a lead's status; an archived status code cannot be chosen." })
  setLeadStatus(
    @Arg('leadId', () => ID, { description: 'The lead to change.' }) leadId: string,
    @Arg('statusCodeId', () => ID, { description: 'A status code that is not archived.' }) statusCodeId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    return ctx.services.leadWork.setLeadStatus(requireViewer(ctx), targetId(leadId, 'lead'), inputId('statusCodeId', statusCodeId));
  }

  @Mutation(() => Lead, {
    description: "The lead's owner, one of its users, or an ADMIN records reaching out to the client: a CONTACTED event, "
      + "Lead.contacts and Lead.lastContactAt. It meets the owner's contact deadline (the source's contactDeadlineSeconds). "
      + 'An agent who was only offered the lead is FORBIDDEN; one who cannot see it, NOT_FOUND.',
  })
  logContact(
    @Arg('leadId', () => ID, { description: 'The lead whose client was reached.' }) leadId: string,
    @Arg('kind', () => ContactKindEnum, { description: 'How the client was reached.' }) kind: ContactKindEnum,
    @Arg('note', () => String, {
      nullable: true, description: 'Optional, at most 2000 characters; kept with the contact and its CONTACTED event.',
    }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    return ctx.services.leadWork.logContact(requireViewer(ctx), targetId(leadId, 'lead'), kind, note);
  }

  @Mutation(() => Lead, {
    description: 'ADMIN always; the owner only where company settings allow (agentsCanChangeOwner). An UNASSIGNED or '
      + 'ROUTING lead given an owner becomes ASSIGNED (the new owner\'s own pending offer becomes ACCEPTED, every other TAKEN). '
      + 'The note is kept with the OWNER_CHANGED event.',
  })
  setLeadOwner(
    @Arg('leadId', () => ID, { description: 'The lead to change.' }) leadId: string,
    @Arg('userId', () => ID, { description: 'The new owner: an active user.' }) userId: string,
    @Arg('note', () => String, {
      nullable: true, description: 'Optional, at most 2000 characters; kept with the change\'s event (LeadEvent.note).',
    }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    return ctx.services.leadWork.setLeadOwner(requireViewer(ctx), targetId(leadId, 'lead'), inputId('userId', userId), note);
  }

  @Mutation(() => Lead, { description: 'ADMIN: take a lead back from its owner and users into the unassigned pool.' })
  returnLeadToBroker(
    @Arg('leadId', () => ID, { description: 'The lead to change.' }) leadId: string,
    @Arg('note', () => String, {
      nullable: true, description: 'Optional, at most 2000 characters; kept with the change\'s event (LeadEvent.note).',
    }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    return ctx.services.leadWork.returnLeadToBroker(requireViewer(ctx), targetId(leadId, 'lead'), note);
  }

  @Mutation(() => Lead, { description: 'ADMIN always; the owner only where company settings allow (agentsCanChangeUsers).' })
  addLeadUser(
    @Arg('leadId', () => ID, { description: 'The lead to change.' }) leadId: string,
    @Arg('userId', () => ID, { description: "The agent to add to the lead's users." }) userId: string,
    @Arg('note', () => String, {
      nullable: true, description: 'Optional, at most 2000 characters; kept with the change\'s event (LeadEvent.note).',
    }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    return ctx.services.leadWork.addLeadUser(requireViewer(ctx), targetId(leadId, 'lead'), inputId('userId', userId), note);
  }

  @Mutation(() => Lead, { description: 'ADMIN always; the owner only where company settings allow (agentsCanChangeUsers).' })
  removeLeadUser(
    @Arg('leadId', () => ID, { description: 'The lead to change.' }) leadId: string,
    @Arg('userId', () => ID, { description: "The user to remove from the lead's users." }) userId: string,
    @Arg('note', () => String, {
      nullable: true, description: 'Optional, at most 2000 characters; kept with the change\'s event (LeadEvent.note).',
    }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadView> {
    return ctx.services.leadWork.removeLeadUser(requireViewer(ctx), targetId(leadId, 'lead'), inputId('userId', userId), note);
  }

  @Query(() => LeadConnection, {
    description: 'Leads newest first, in pages (first: default 20, at most 100; after: an endCursor). '
      + 'Admins see every lead; agents the leads they own or are a user of.',
  })
  async leads(
    @Arg('filter', () => LeadFilter, {
      nullable: true, description: 'Only the leads that match every field given; left out: all you may see.',
    }) filter: LeadFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0 to 100; default 20.' }) first: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'An endCursor (or any edge\'s cursor) from an earlier page: the page starts after it. Left out: the newest leads.',
    }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadConnectionView> {
    const page = await ctx.services.leadList.leads(requireViewer(ctx), listFilter(filter), first, after);
    const edges = page.leads.map((node) => ({ cursor: encodeCursor(node.id), node }));
    const pageInfo = { hasNextPage: page.hasNextPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null, page };
    return { edges, pageInfo, page };
  }

  @Query(() => LeadStats, { description: 'ADMIN: the lead management dashboard over leads created (and offers made) in [from, to).' })
  leadStats(
    @Arg('from', () => GraphQLISODateTime, {
      nullable: true, description: 'Start of the range, inclusive; left out: the beginning of time.',
    }) from: Date | null,
    @Arg('to', () => GraphQLISODateTime, {
      nullable: true, description: 'End of the range, exclusive; left out: now and onwards.',
    }) to: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadStatsResult> {
    requireAdmin(ctx);
    return ctx.services.leadStats.leadStats({ from: from ?? null, to: to ?? null });
  }
}

@Resolver(() => LeadConnection)
export class LeadConnectionResolver {
  @FieldResolver(() => Int, { description: 'Leads matching the filter over all pages (counted only when asked for).' })
  totalCount(@Root() connection: LeadConnectionView): Promise<number> {
    return connection.page.totalCount();
  }
}

@Resolver(() => PageInfo)
export class PageInfoResolver {
  @FieldResolver(() => Boolean, {
    description: 'True when `after` was given and leads come before this page (the cursor\'s lead, or newer ones that '
      + 'match); false on the first page. Looked up only when asked for.',
  })
  hasPreviousPage(@Root() pageInfo: PageInfoView): Promise<boolean> {
    return pageInfo.page.hasPreviousPage();
  }
}

@Resolver(() => LeadSourceCount)
export class LeadSourceCountResolver {
  @FieldResolver(() => LeadSource, { description: 'The lead source.' })
  async source(@Root() row: { sourceId: number }, @Ctx() ctx: GraphQLContext) {
    const source = await ctx.loaders.leadSource.load(row.sourceId);
    if (!source) throw new Error(`lead source ${row.sourceId} is missing`);
    return source;
  }
}

@Resolver(() => LeadStatusCount)
export class LeadStatusCountResolver {
  @FieldResolver(() => StatusCode, { description: 'The status code.' })
  async status(@Root() row: { statusCodeId: number }, @Ctx() ctx: GraphQLContext) {
    const code = await ctx.loaders.statusCode.load(row.statusCodeId);
    if (!code) throw new Error(`status code ${row.statusCodeId} is missing`);
    return code;
  }
}

@Resolver(() => AgentOfferStats)
export class AgentOfferStatsResolver {
  @FieldResolver(() => User, { description: 'The agent.' })
  async agent(@Root() row: AgentStats, @Ctx() ctx: GraphQLContext) {
    const user = await ctx.loaders.user.load(row.agentId);
    if (!user) throw new Error(`user ${row.agentId} is missing`);
    return user;
  }
}

@Resolver(() => AgentReclaimCount)
export class AgentReclaimCountResolver {
  @FieldResolver(() => User, { description: 'The agent the leads were reclaimed from.' })
  async agent(@Root() row: { agentId: number }, @Ctx() ctx: GraphQLContext) {
    const user = await ctx.loaders.user.load(row.agentId);
    if (!user) throw new Error(`user ${row.agentId} is missing`);
    return user;
  }
}

@Resolver(() => LeadEvent)
export class LeadEventStatusResolver {
  @FieldResolver(() => StatusCode, { nullable: true, description: 'STATUS_CHANGED: the status code the lead was given.' })
  statusCode(@Root() event: LeadEventView, @Ctx() ctx: GraphQLContext) {
    return event.statusCodeId === null ? null : ctx.loaders.statusCode.load(event.statusCodeId);
  }
}

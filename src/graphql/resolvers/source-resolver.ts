// Lead sources (ADMIN): create, change, list, rotate the public key.
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { LeadSourceInput as ServiceInput } from '../../services/source-service.js';
import type { LeadSourceWithOffices } from '../../store/rows.js';
import { type GraphQLContext, requireAdmin } from '../context.js';
import { inputId, inputIds, targetId } from '../ids.js';
import { LeadGroup, Office } from '../types/org-types.js';
import { ADMIN_ONLY, LeadSource, LeadSourceInput } from '../types/source-types.js';

/** GraphQL ids to integer ids; leadGroupId "" (remove the group) passes through. */
function toServiceInput(input: LeadSourceInput): ServiceInput {
  const { officeIds, leadGroupId, ...rest } = input;
  return {
    ...rest,
    officeIds: officeIds ? inputIds('officeIds', officeIds) : null,
    leadGroupId: leadGroupId == null ? null : leadGroupId.trim() === '' ? '' : inputId('leadGroupId', leadGroupId),
  };
}

@Resolver(() => LeadSource)
export class SourceResolver {
  @Query(() => [LeadSource], { description: 'Every lead source, by name (ADMIN).' })
  leadSources(@Ctx() ctx: GraphQLContext): Promise<LeadSourceWithOffices[]> {
    requireAdmin(ctx);
    return ctx.services.sources.listLeadSources();
  }

  @Query(() => LeadSource, { description: 'One lead source (ADMIN).' })
  leadSource(
    @Arg('id', () => ID, { description: 'The lead source\'s id.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadSourceWithOffices> {
    requireAdmin(ctx);
    return ctx.services.sources.getLeadSource(targetId(id, 'lead source'));
  }

  @Mutation(() => LeadSource, { description: 'ADMIN. Fields left out take their defaults; a new publicKey is generated.' })
  createLeadSource(
    @Arg('input', () => LeadSourceInput, { description: 'The new source; name is required, the rest default.' }) input: LeadSourceInput,
     @Ctx() ctx: GraphQLContext) {
    requireAdmin(ctx);
    return ctx.services.sources.createLeadSource(toServiceInput(input));
  }

  @Mutation(() => LeadSource, { description: 'ADMIN. Replaces the fields given; fields left out or null keep their value.' })
  updateLeadSource(
    @Arg('id', () => ID, { description: 'The lead source to change.' }) id: string,
    @Arg('input', () => LeadSourceInput, { description: 'name, and the fields to change.' }) input: LeadSourceInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadSourceWithOffices> {
    requireAdmin(ctx);
    return ctx.services.sources.updateLeadSource(targetId(id, 'lead source'), toServiceInput(input));
  }

  @Mutation(() => LeadSource, {
    description: 'ADMIN. Issues a new publicKey; web forms still posting with the old one are refused from now on.',
  })
  rotateLeadSourceKey(
    @Arg('id', () => ID, { description: 'The lead source whose key to replace.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadSourceWithOffices> {
    requireAdmin(ctx);
    return ctx.services.sources.rotatePublicKey(targetId(id, 'lead source'));
  }

  @FieldResolver(() => [Office], {
    nullable: true,
    description: `The offices whose agents may be offered this source's general leads; empty: all.${ADMIN_ONLY}`,
  })
  async offices(@Root() source: LeadSourceWithOffices, @Ctx() ctx: GraphQLContext) {
    return (await ctx.loaders.office.loadMany(source.officeIds)).filter((o) => o !== null && !(o instanceof Error));
  }

  @FieldResolver(() => LeadGroup, {
    nullable: true,
    description: `Only members of this group are offered general leads; null: no lead group.${ADMIN_ONLY}`,
  })
  leadGroup(@Root() source: LeadSourceWithOffices, @Ctx() ctx: GraphQLContext) {
    return source.leadGroupId === null ? null : ctx.loaders.leadGroup.load(source.leadGroupId);
  }
}

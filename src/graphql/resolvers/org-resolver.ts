// Tags, lead groups, halts, the caller's availability and the company settings.
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { UserRow } from '../../store/rows.js';
import type { LeadGroupRow, SettingsRow, TagRow } from '../../store/rows.js';
import { type GraphQLContext, requireAdmin, requireViewer } from '../context.js';
import { inputIds, targetId } from '../ids.js';
import {
  CompanySettings, CompanySettingsInput, CreateLeadGroupInput, CreateTagInput, HaltUserInput, LeadGroup, Tag,
  UpdateLeadGroupInput, User,
} from '../types/org-types.js';

@Resolver()
export class OrgResolver {
  @Query(() => [Tag], { description: 'Every tag, by name (signed-in users).' })
  tags(@Ctx() ctx: GraphQLContext): Promise<TagRow[]> {
    requireViewer(ctx);
    return ctx.services.org.listTags();
  }

  @Mutation(() => Tag, { description: 'ADMIN. Tag names are unique (CONFLICT otherwise).' })
  createTag(@Arg('input', () => CreateTagInput) input: CreateTagInput, @Ctx() ctx: GraphQLContext): Promise<TagRow> {
    requireAdmin(ctx);
    return ctx.services.org.createTag(input.name);
  }

  @Mutation(() => User, { description: "ADMIN. Replaces the user's tags with exactly these." })
  setUserTags(
    @Arg('userId', () => ID) userId: string,
    @Arg('tagIds', () => [ID]) tagIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserRow> {
    requireAdmin(ctx);
    return ctx.services.org.setUserTags(targetId(userId, 'user'), inputIds('tagIds', tagIds));
  }

  @Query(() => [LeadGroup], { description: 'Every lead group, by name (ADMIN).' })
  leadGroups(@Ctx() ctx: GraphQLContext): Promise<LeadGroupRow[]> {
    requireAdmin(ctx);
    return ctx.services.org.listLeadGroups();
  }

  @Mutation(() => LeadGroup, { description: 'ADMIN. Group names are unique (CONFLICT otherwise).' })
  createLeadGroup(@Arg('input', () => CreateLeadGroupInput) input: CreateLeadGroupInput, @Ctx() ctx: GraphQLContext) {
    requireAdmin(ctx);
    return ctx.services.org.createLeadGroup({ name: input.name, memberIds: inputIds('memberIds', input.memberIds) });
  }

  @Mutation(() => LeadGroup, { description: 'ADMIN. Fields left out keep their value; memberIds replaces the membership.' })
  updateLeadGroup(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateLeadGroupInput) input: UpdateLeadGroupInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LeadGroupRow> {
    requireAdmin(ctx);
    return ctx.services.org.updateLeadGroup(targetId(id, 'lead group'), {
      name: input.name,
      memberIds: input.memberIds ? inputIds('memberIds', input.memberIds) : null,
    });
  }

  @Mutation(() => User, {
    description: 'ADMIN. No GENERAL lead is offered to the user until `until` (or until resumed when null); '
      + 'DIRECT_TO_USER leads still reach them. `until` must be in the future.',
  })
  haltUser(@Arg('input', () => HaltUserInput) input: HaltUserInput, @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    requireAdmin(ctx);
    return ctx.services.org.haltUser(targetId(input.userId, 'user'), { until: input.until, reason: input.reason });
  }

  @Mutation(() => User, { description: 'ADMIN. Ends a halt now.' })
  resumeUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    requireAdmin(ctx);
    return ctx.services.org.resumeUser(targetId(userId, 'user'));
  }

  @Mutation(() => User, { description: 'The caller takes themselves out of general lead routing (false) and back in (true).' })
  setMyAvailability(@Arg('inOffice', () => Boolean) inOffice: boolean, @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    return ctx.services.org.setAvailability(requireViewer(ctx).id, inOffice);
  }

  @Query(() => CompanySettings, { description: 'The company lead rules (signed-in users).' })
  companySettings(@Ctx() ctx: GraphQLContext): Promise<SettingsRow> {
    requireViewer(ctx);
    return ctx.services.org.getSettings();
  }

  @Mutation(() => CompanySettings, { description: 'ADMIN. Fields left out keep their value.' })
  updateCompanySettings(
    @Arg('input', () => CompanySettingsInput) input: CompanySettingsInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SettingsRow> {
    requireAdmin(ctx);
    return ctx.services.org.updateSettings(input);
  }
}

@Resolver(() => LeadGroup)
export class LeadGroupResolver {
  @FieldResolver(() => [User])
  async members(@Root() group: LeadGroupRow, @Ctx() ctx: GraphQLContext) {
    const ids = await ctx.loaders.groupMemberIds.load(group.id);
    return (await ctx.loaders.user.loadMany(ids)).filter((u) => u !== null && !(u instanceof Error));
  }
}

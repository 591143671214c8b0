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
  createTag(
    @Arg('input', () => CreateTagInput, { description: 'The new tag.' }) input: CreateTagInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TagRow> {
    requireAdmin(ctx);
    return ctx.services.org.createTag(input.name);
  }

  @Mutation(() => User, { description: "ADMIN. Replaces the user's tags with exactly these." })
  setUserTags(
    @Arg('userId', () => ID, { description: 'The user to tag.' }) userId: string,
    @Arg('tagIds', () => [ID], { description: 'Every tag the user should have; [] removes them all.' }) tagIds: string[],
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
  createLeadGroup(
    @Arg('input', () => CreateLeadGroupInput, { description: 'The new group and its members.' }) input: CreateLeadGroupInput,
     @Ctx() ctx: GraphQLContext) {
    requireAdmin(ctx);
    return ctx.services.org.createLeadGroup({ name: input.name, memberIds: inputIds('memberIds', input.memberIds) });
  }

  @Mutation(() => LeadGroup, { description: 'ADMIN. Fields left out keep their value; memberIds replaces the membership.' })
  updateLeadGroup(
    @Arg('id', () => ID, { description: 'The lead group to change.' }) id: string,
    @Arg('input', () => UpdateLeadGroupInput, { description: 'The fields to change.' }) input: UpdateLeadGroupInput,
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
  haltUser(
    @Arg('input', () => HaltUserInput, { description: 'Who, until when, and why.' }) input: HaltUserInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserRow> {
    requireAdmin(ctx);
    return ctx.services.org.haltUser(targetId(input.userId, 'user'), { until: input.until, reason: input.reason });
  }

  @Mutation(() => User, { description: 'ADMIN. Ends a halt now.' })
  resumeUser(@Arg('userId', () => ID, { description: 'The halted user.' }) userId: string, @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    requireAdmin(ctx);
    return ctx.services.org.resumeUser(targetId(userId, 'user'));
  }

  @Mutation(() => User, { description: 'The caller takes themselves out of general lead routing (false) and back in (true).' })
  setMyAvailability(
    @Arg('inOffice', () => Boolean, {
      description: 'false: offered no GENERAL lead until set back to true (direct leads still come).',
    }) inOffice: boolean,
     @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    return ctx.services.org.setAvailability(requireViewer(ctx).id, inOffice);
  }

  @Query(() => CompanySettings, { description: 'The company lead rules (signed-in users).' })
  companySettings(@Ctx() ctx: GraphQLContext): Promise<SettingsRow> {
    requireViewer(ctx);
    return ctx.services.org.getSettings();
  }

  @Mutation(() => CompanySettings, { description: 'ADMIN. Fields left out keep their value.' })
  updateCompanySettings(
    @Arg('input', () => CompanySettingsInput, { description: 'The settings to change.' }) input: CompanySettingsInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SettingsRow> {
    requireAdmin(ctx);
    return ctx.services.org.updateSettings(input);
  }
}

@Resolver(() => LeadGroup)
export class LeadGroupResolver {
  @FieldResolver(() => [User], { description: 'The users in the group, by id.' })
  async members(@Root() group: LeadGroupRow, @Ctx() ctx: GraphQLContext) {
    const ids = await ctx.loaders.groupMemberIds.load(group.id);
    return (await ctx.loaders.user.loadMany(ids)).filter((u) => u !== null && !(u instanceof Error));
  }
}

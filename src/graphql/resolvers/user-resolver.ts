// Users, offices, tokens and sign-in.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { parseServiceAreas, parseWorkingHours } from '../../store/roster-rows.js';
import { type ApiTokenInfo, TOKEN_LABEL_MAX } from '../../services/auth-service.js';
import type { UserRow } from '../../store/rows.js';
import { type GraphQLContext, requireAdmin, requireViewer } from '../context.js';
import { inputIds, targetId } from '../ids.js';
import {
  ApiToken, ApiTokenPayload, AuthPayload, CreateOfficeInput, CreateUserInput, Halt, Office, RoutingProfileInput, Tag,
  UpdateUserInput, User, WorkingHours,
} from '../types/org-types.js';
import type { WeekdayEnum } from '../types/enums.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { description: 'The signed-in user.' })
  me(@Ctx() ctx: GraphQLContext): Promise<UserRow> {
    return ctx.services.users.getUser(requireViewer(ctx).id);
  }

  @Query(() => [User], { description: 'Every user (ADMIN).' })
  users(@Ctx() ctx: GraphQLContext): Promise<UserRow[]> {
    requireAdmin(ctx);
    return ctx.services.users.listUsers();
  }

  @Query(() => [Office], { name: 'offices', description: 'Every office, by name (signed-in users).' })
  allOffices(@Ctx() ctx: GraphQLContext) {
    requireViewer(ctx);
    return ctx.services.users.listOffices();
  }

  @Mutation(() => Office, { description: 'ADMIN.' })
  createOffice(
    @Arg('input', () => CreateOfficeInput, { description: 'The new office.' }) input: CreateOfficeInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    requireAdmin(ctx);
    return ctx.services.users.createOffice(input.name);
  }

  @Mutation(() => User, { description: 'ADMIN.' })
  createUser(@Arg('input', () => CreateUserInput, { description: 'The new user.' }) input: CreateUserInput, @Ctx() ctx: GraphQLContext) {
    requireAdmin(ctx);
    return ctx.services.users.createUser({
      ...input,
      officeIds: input.officeIds ? inputIds('officeIds', input.officeIds) : [],
    });
  }

  @Mutation(() => User, {
    description: 'ADMIN. A deactivated user is offered nothing and their tokens stop working; their pending offers '
      + 'close at once (EXPIRED) and those leads move on.',
  })
  updateUser(
    @Arg('id', () => ID, { description: 'The user to change.' }) id: string,
    @Arg('input', () => UpdateUserInput, { description: 'The fields to change.' }) input: UpdateUserInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    const admin = requireAdmin(ctx);
    return ctx.services.users.updateUser(targetId(id, 'user'), {
      ...input,
      officeIds: input.officeIds ? inputIds('officeIds', input.officeIds) : null,
    }, admin.id);
  }

  @Mutation(() => User, {
    description: 'How a user is routed. ADMIN for anyone; an AGENT may change only their own timeZone and workingHours '
      + '(FORBIDDEN otherwise). Fields left out keep their value.',
  })
  updateRoutingProfile(
    @Arg('userId', () => ID, { description: 'Whose profile.' }) userId: string,
    @Arg('input', () => RoutingProfileInput, { description: 'The fields to change.' }) input: RoutingProfileInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserRow> {
    const viewer = requireViewer(ctx);
    return ctx.services.users.updateRoutingProfile(targetId(userId, 'user'), input, viewer);
  }

  @Mutation(() => ApiTokenPayload, {
    description: 'ADMIN. A new API token for the user, shown only this once. It works until it is revoked '
      + '(revokeApiToken) and while the user is active.',
  })
  issueApiToken(
    @Arg('userId', () => ID, { description: 'The user the token signs in as.' }) userId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('label', () => String, {
      nullable: true,
      description: `A name for the token in the token list ("Ana's phone"), at most ${TOKEN_LABEL_MAX} characters; optional.`,
    }) label?: string | null,
  ): Promise<ApiTokenPayload> {
    requireAdmin(ctx);
    return ctx.services.auth.issueApiToken(targetId(userId, 'user'), label ?? null);
  }

  @Query(() => [ApiToken], {
    description: 'ADMIN. The user\'s API tokens that still work (not revoked), oldest first: id, label, when issued and last '
      + 'used; never the token itself. Login sessions are not listed (they end after 30 days or when the user is deactivated).',
  })
  apiTokens(@Arg('userId', () => ID, { description: 'Whose tokens.' }) userId: string, @Ctx() ctx: GraphQLContext): Promise<ApiTokenInfo[]> {
    requireAdmin(ctx);
    return ctx.services.auth.listApiTokens(targetId(userId, 'user'));
  }

  @Mutation(() => Boolean, {
    description: 'ADMIN. Revokes one API token at once: from the next request on it is UNAUTHENTICATED, and WebSockets '
      + 'signed in with it are closed with 4403. True when this call revoked it, false when it was already revoked; '
      + 'NOT_FOUND when no API token has this id. The user\'s other tokens keep working.',
  })
  revokeApiToken(@Arg('id', () => ID, { description: 'The token\'s id (from issueApiToken or apiTokens).' }) id: string,
    @Ctx() ctx: GraphQLContext): Promise<boolean> {
    requireAdmin(ctx);
    return ctx.services.auth.revokeApiToken(targetId(id, 'API token'));
  }

  @Mutation(() => AuthPayload, { description: 'Sign in with email and password; returns a session token.' })
  async login(
    @Arg('email', () => String, { description: 'The user\'s email address (any case).' }) email: string,
    @Arg('password', () => String, { description: 'The user\'s password.' }) password: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    // Guessing is limited per client address (so per account from that address too), then per
    // account from all addresses with a higher ceiling. In that order: a flood from one address stops
    // at its own limit and uses up neither the account's ceiling nor the user's attempts elsewhere.
    ctx.services.limits.loginByAddress.enforce(ctx.clientIp);
    ctx.services.limits.loginByAccount.enforce(email.trim().toLowerCase());
    const { token, userId } = await ctx.services.auth.login(email, password);
    return { token, user: await ctx.services.users.getUser(userId) };
  }

  @FieldResolver(() => String, { description: 'The forwarding address for third-party leads: <handle>.leads@<domain>.' })
  leadEmail(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): string {
    return `${user.handle}.leads@${ctx.services.config.inboundEmailDomain}`;
  }

  @FieldResolver(() => Halt, {
    nullable: true,
    description: 'The halt in force now, if any. Only the user themselves and admins see it (FORBIDDEN for anyone else).',
  })
  halt(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): Halt | null {
    if (!user.haltedAt) return null;
    if (user.haltUntil && user.haltUntil.getTime() <= ctx.services.clock.now()) return null;
    return { since: user.haltedAt, until: user.haltUntil, reason: user.haltReason };
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The user's own IANA time zone; null: the company's (companySettings.timeZone). The user and admins only.",
  })
  timeZone(@Root() user: UserRow): string | null {
    return user.timeZone;
  }

  @FieldResolver(() => [WorkingHours], {
    nullable: true,
    description: 'Weekly working hours in the user\'s time zone, by day and start; [] means always available. The user and admins only.',
  })
  workingHours(@Root() user: UserRow): WorkingHours[] {
    return parseWorkingHours(user.workingHours).map((e) => ({ day: e.day as WeekdayEnum, start: e.start, end: e.end }));
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'How often the agent heads a source\'s distribution list, relative to the others (1 to 100). The user and admins only.',
  })
  routingWeight(@Root() user: UserRow): number {
    return user.routingWeight;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'GENERAL leads the agent may win per local day; null: no cap. The user and admins only.',
  })
  dailyLeadCap(@Root() user: UserRow): number | null {
    return user.dailyLeadCap;
  }

  @FieldResolver(() => [String], {
    nullable: true,
    description: 'Postal codes or prefixes the agent serves (normalised: upper case, no spaces). The user and admins only.',
  })
  serviceAreas(@Root() user: UserRow): string[] {
    return parseServiceAreas(user.serviceAreas);
  }

  @FieldResolver(() => [Office], { name: 'offices', description: 'The offices the user works in, by id.' })
  async officesOfUser(@Root() user: UserRow, @Ctx() ctx: GraphQLContext) {
    const ids = await ctx.loaders.userOfficeIds.load(user.id);
    return (await ctx.loaders.office.loadMany(ids)).filter((o) => o !== null && !(o instanceof Error));
  }

  @FieldResolver(() => [Tag], { description: 'The internal tags admins gave the user, by name.' })
  tags(@Root() user: UserRow, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.userTags.load(user.id);
  }
}

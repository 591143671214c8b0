// Status codes: everyone signed in reads them; admins create, rename, reorder, archive and pick the default.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { StatusCodeRow } from '../../store/rows.js';
import { type GraphQLContext, requireAdmin, requireViewer } from '../context.js';
import { inputIds, targetId } from '../ids.js';
import { CreateStatusCodeInput, StatusCode, UpdateStatusCodeInput } from '../types/status-code-types.js';

@Resolver(() => StatusCode)
export class StatusCodeResolver {
  @Query(() => [StatusCode], { description: 'The status codes in order (signed-in users).' })
  statusCodes(
    @Arg('includeArchived', () => Boolean, {
      defaultValue: true,
      description: 'false: only the codes a lead\'s status can be set to.',
    }) includeArchived: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<StatusCodeRow[]> {
    requireViewer(ctx);
    return ctx.services.statusCodes.list(includeArchived);
  }

  @Mutation(() => StatusCode, { description: 'ADMIN. The new code goes to the end of the list.' })
  createStatusCode(
    @Arg('input', () => CreateStatusCodeInput, { description: 'The new code.' }) input: CreateStatusCodeInput,
     @Ctx() ctx: GraphQLContext) {
    requireAdmin(ctx);
    return ctx.services.statusCodes.create(input.name);
  }

  @Mutation(() => StatusCode, { description: 'ADMIN. Rename, archive, or make the default (which unsets the previous one).' })
  updateStatusCode(
    @Arg('id', () => ID, { description: 'The status code to change.' }) id: string,
    @Arg('input', () => UpdateStatusCodeInput, { description: 'The fields to change.' }) input: UpdateStatusCodeInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<StatusCodeRow> {
    requireAdmin(ctx);
    return ctx.services.statusCodes.update(targetId(id, 'status code'), input);
  }

  @Mutation(() => [StatusCode], {
    description: 'ADMIN. `ids` lists every status code (archived ones too) exactly once; positions become 1..n in that order.',
  })
  reorderStatusCodes(
    @Arg('ids', () => [ID], { description: 'Every status code\'s id, in the new order.' }) ids: string[],
     @Ctx() ctx: GraphQLContext): Promise<StatusCodeRow[]> {
    requireAdmin(ctx);
    return ctx.services.statusCodes.reorder(inputIds('ids', ids));
  }
}

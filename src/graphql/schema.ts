// Builds the executable schema from the type-graphql resolvers. scripts/emit-schema.ts prints it to
// schema/schema.graphql; CI checks that the committed file matches.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import './types/enums.js';
import { UserResolver } from './resolvers/user-resolver.js';
import { LeadGroupResolver, OrgResolver } from './resolvers/org-resolver.js';
import { SourceResolver } from './resolvers/source-resolver.js';
import { StatusCodeResolver } from './resolvers/status-code-resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [UserResolver, OrgResolver, LeadGroupResolver, SourceResolver, StatusCodeResolver];

let cached: GraphQLSchema | null = null;

/** The schema is the same for every server in the process: build it once. */
export function getSchema(): GraphQLSchema {
  cached ??= buildSchemaSync({ resolvers, validate: false });
  return cached;
}

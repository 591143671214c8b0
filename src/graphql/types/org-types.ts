// GraphQL object and input types of the organisation: users, offices, tags, groups, settings.
import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';
import { RoleEnum } from './enums.js';

@ObjectType({ description: 'A brokerage office. Agents may work in several.' })
export class Office {
  @Field(() => ID) id!: number;
  @Field(() => String) name!: string;
}

@ObjectType({ description: 'An internal tag admins attach to users ("Luxury Agent").' })
export class Tag {
  @Field(() => ID) id!: number;
  @Field(() => String) name!: string;
}

@ObjectType({ description: 'An admin halt: no general leads until `until` (or until resumed when null).' })
export class Halt {
  @Field(() => GraphQLISODateTime, { nullable: true }) until!: Date | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => GraphQLISODateTime) since!: Date;
}

@ObjectType({ description: 'A person at the brokerage: an ADMIN or an AGENT.' })
export class User {
  @Field(() => ID) id!: number;
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => String, { nullable: true }) phone!: string | null;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => String, { description: 'Local part of the lead forwarding address.' }) handle!: string;
  @Field(() => Boolean, { description: 'A deactivated user is offered nothing and cannot sign in.' }) active!: boolean;
  @Field(() => Boolean, { description: 'False while the agent has taken themselves out of general routing.' })
  inOffice!: boolean;
}

@ObjectType()
export class LeadGroup {
  @Field(() => ID) id!: number;
  @Field(() => String) name!: string;
}

@ObjectType({ description: 'The company lead rules.' })
export class CompanySettings {
  @Field(() => Boolean, { description: 'May the owner of a lead hand its ownership to another agent?' })
  agentsCanChangeOwner!: boolean;
  @Field(() => Boolean, { description: 'May the owner of a lead add and remove its users?' })
  agentsCanChangeUsers!: boolean;
}

@ObjectType({ description: 'A new API token: its value, shown only in this answer, and its id (for the token list and revokeApiToken).' })
export class ApiTokenPayload {
  @Field(() => ID, { description: 'The token\'s id, as in apiTokens; revokeApiToken(id) revokes it.' })
  id!: number;
  @Field(() => String, { description: 'The token, shown only this once. Send it as Authorization: Bearer <token>.' })
  token!: string;
}

@ObjectType({
  description: 'An API token of a user, as the token list shows it: never its value (only a hash of it is stored). '
    + 'Login sessions are not listed.',
})
export class ApiToken {
  @Field(() => ID, { description: 'The token\'s id: what revokeApiToken takes.' })
  id!: number;
  @Field(() => String, {
    nullable: true,
    description: 'The name given when it was issued ("Ana\'s phone"); null when none was. The bootstrap admin\'s token is '
      + 'labelled "BOOTSTRAP_ADMIN_TOKEN" or "first admin (printed at first start)".',
  })
  label!: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was issued.' })
  createdAt!: Date;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When it was last used for a request or a WebSocket operation, to the minute (a use within a minute of '
      + 'the one shown does not move it); null if never used.',
  })
  lastUsedAt!: Date | null;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: 'A session token (30 days), shown only this once.' }) token!: string;
  @Field(() => User) user!: unknown;
}

@InputType()
export class CreateOfficeInput {
  @Field(() => String) name!: string;
}

@InputType()
export class CreateUserInput {
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => [ID], { nullable: true }) officeIds?: string[] | null;
  @Field(() => String, { nullable: true, description: 'Derived from the name when left out.' }) handle?: string | null;
  @Field(() => String, { nullable: true, description: 'Without one, only API tokens work for this user.' })
  password?: string | null;
}

@InputType()
export class UpdateUserInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => [ID], { nullable: true }) officeIds?: string[] | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
  @Field(() => String, { nullable: true }) handle?: string | null;
  @Field(() => String, { nullable: true }) password?: string | null;
}

@InputType()
export class CreateTagInput {
  @Field(() => String) name!: string;
}

@InputType()
export class CreateLeadGroupInput {
  @Field(() => String) name!: string;
  @Field(() => [ID]) memberIds!: string[];
}

@InputType({ description: 'Fields left out (or null) keep their value.' })
export class UpdateLeadGroupInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => [ID], { nullable: true, description: 'Replaces the whole membership.' }) memberIds?: string[] | null;
}

@InputType()
export class HaltUserInput {
  @Field(() => ID) userId!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) until?: Date | null;
  @Field(() => String, { nullable: true }) reason?: string | null;
}

@InputType()
export class CompanySettingsInput {
  @Field(() => Boolean, { nullable: true }) agentsCanChangeOwner?: boolean | null;
  @Field(() => Boolean, { nullable: true }) agentsCanChangeUsers?: boolean | null;
}

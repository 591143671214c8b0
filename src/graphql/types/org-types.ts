// GraphQL object and input types of the organisation: users, offices, tags, groups, settings.
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import { RoleEnum, WeekdayEnum } from './enums.js';

@ObjectType({ description: 'One span of weekly working hours, in local wall-clock time of the user\'s time zone.' })
export class WorkingHours {
  @Field(() => WeekdayEnum, { description: 'The weekday.' }) day!: WeekdayEnum;
  @Field(() => String, { description: 'Local "HH:MM" the span starts (inclusive).' }) start!: string;
  @Field(() => String, { description: 'Local "HH:MM" the span ends (exclusive); "24:00" is the end of the day.' }) end!: string;
}

@InputType({ description: 'One span of weekly working hours: local "HH:MM" to "HH:MM" (or "24:00"), start before end.' })
export class WorkingHoursInput {
  @Field(() => WeekdayEnum, { description: 'The weekday.' }) day!: WeekdayEnum;
  @Field(() => String, { description: 'Local "HH:MM", 00:00 to 23:59.' }) start!: string;
  @Field(() => String, { description: 'Local "HH:MM" after start, up to "24:00". A night shift is two spans, one per day.' }) end!: string;
}

@ObjectType({ description: 'A brokerage office. Agents may work in several.' })
export class Office {
  @Field(() => ID, { description: "The office's id." }) id!: number;
  @Field(() => String, { description: 'Unique among offices.' }) name!: string;
}

@ObjectType({ description: 'An internal tag admins attach to users ("Luxury Agent").' })
export class Tag {
  @Field(() => ID, { description: "The tag's id." }) id!: number;
  @Field(() => String, { description: 'Unique among tags.' }) name!: string;
}

@ObjectType({ description: 'An admin halt: no general leads until `until` (or until resumed when null).' })
export class Halt {
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the halt ends by itself; null: it lasts until resumeUser.' })
  until!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why, as the admin wrote it (vacation, leave); null when none was given.' })
  reason!: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When the halt was set.' }) since!: Date;
}

@ObjectType({ description: 'A person at the brokerage: an ADMIN or an AGENT.' })
export class User {
  @Field(() => ID, { description: "The user's id." }) id!: number;
  @Field(() => String, { description: 'Full name, as shown to colleagues.' }) name!: string;
  @Field(() => String, { description: 'Email address, lower-cased; unique. Sign-in name and where offer emails go.' }) email!: string;
  @Field(() => String, { nullable: true, description: 'Where offer SMS go, in E.164 (+15125550143); null: no SMS.' })
  phone!: string | null;
  @Field(() => RoleEnum, { description: 'ADMIN or AGENT.' }) role!: RoleEnum;
  @Field(() => String, { description: 'Local part of the lead forwarding address.' }) handle!: string;
  @Field(() => Boolean, { description: 'A deactivated user is offered nothing and cannot sign in.' }) active!: boolean;
  @Field(() => Boolean, { description: 'False while the agent has taken themselves out of general routing.' })
  inOffice!: boolean;
}

@ObjectType({ description: "A named set of agents; a source with a lead group offers its general leads only to the group's members." })
export class LeadGroup {
  @Field(() => ID, { description: "The group's id." }) id!: number;
  @Field(() => String, { description: 'Unique among lead groups.' }) name!: string;
}

@ObjectType({ description: 'The company lead rules.' })
export class CompanySettings {
  @Field(() => Boolean, { description: 'May the owner of a lead hand its ownership to another agent?' })
  agentsCanChangeOwner!: boolean;
  @Field(() => Boolean, { description: 'May the owner of a lead add and remove its users?' })
  agentsCanChangeUsers!: boolean;
  @Field(() => String, { description: 'IANA time zone of every user who has not set their own ("America/Chicago"); UTC by default.' })
  timeZone!: string;
  @Field(() => Int, {
    nullable: true,
    description: 'An agent whose last N offers all expired unanswered is halted until resumed, with the reason '
      + '"missed N offers in a row", and told by SMS and email; null: never.',
  })
  haltAfterMissedOffers!: number | null;
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

@ObjectType({ description: 'A signed-in session (login).' })
export class AuthPayload {
  @Field(() => String, { description: 'A session token (30 days), shown only this once.' }) token!: string;
  @Field(() => User, { description: 'The user who signed in.' }) user!: unknown;
}

@InputType({ description: 'A new office.' })
export class CreateOfficeInput {
  @Field(() => String, { description: '1 to 120 characters; unique (CONFLICT otherwise).' }) name!: string;
}

@InputType({ description: 'A new user. Give them a password to sign in with, or issue them API tokens.' })
export class CreateUserInput {
  @Field(() => String, { description: 'Full name, 1 to 120 characters.' }) name!: string;
  @Field(() => String, { description: 'A valid email address, unique among users (CONFLICT otherwise); stored lower-cased.' })
  email!: string;
  @Field(() => String, {
    nullable: true,
    description: 'For offer SMS: a phone number possible in its country, stored in E.164; without a leading + it is read as a '
      + 'number of DEFAULT_PHONE_REGION (BAD_USER_INPUT otherwise).',
  })
  phone?: string | null;
  @Field(() => RoleEnum, { description: 'ADMIN or AGENT.' }) role!: RoleEnum;
  @Field(() => [ID], { nullable: true, description: 'The offices the user works in; left out: none.' }) officeIds?: string[] | null;
  @Field(() => String, {
    nullable: true,
    description: 'Derived from the name when left out ("Ana Díaz": ana.diaz, numbered when taken). Letters, digits, ".", "-", "_"; '
      + '1 to 64 characters; unique (CONFLICT otherwise).',
  })
  handle?: string | null;
  @Field(() => String, { nullable: true, description: 'Without one, only API tokens work for this user. 8 to 200 characters.' })
  password?: string | null;
}

@InputType({ description: 'Fields left out (or null) keep their value.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true, description: 'Full name, 1 to 120 characters.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'A valid email address, unique among users (CONFLICT otherwise).' })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'For offer SMS; "" or null removes it (only here, null is not "keep").' })
  phone?: string | null;
  @Field(() => [ID], { nullable: true, description: 'Replaces the offices the user works in.' }) officeIds?: string[] | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'false deactivates the user: their tokens stop working, their WebSockets close (4403) and their pending offers '
      + 'close as EXPIRED; true reactivates them.',
  })
  active?: boolean | null;
  @Field(() => String, { nullable: true, description: 'A new handle (changes the forwarding address); unique (CONFLICT otherwise).' })
  handle?: string | null;
  @Field(() => String, { nullable: true, description: 'A new password, 8 to 200 characters. Sessions already signed in stay valid.' })
  password?: string | null;
}

@InputType({ description: 'A new tag.' })
export class CreateTagInput {
  @Field(() => String, { description: '1 to 80 characters; unique (CONFLICT otherwise).' }) name!: string;
}

@InputType({ description: 'A new lead group.' })
export class CreateLeadGroupInput {
  @Field(() => String, { description: '1 to 120 characters; unique (CONFLICT otherwise).' }) name!: string;
  @Field(() => [ID], { description: 'The members (users); may be empty.' }) memberIds!: string[];
}

@InputType({ description: 'Fields left out (or null) keep their value.' })
export class UpdateLeadGroupInput {
  @Field(() => String, { nullable: true, description: '1 to 120 characters; unique (CONFLICT otherwise).' }) name?: string | null;
  @Field(() => [ID], { nullable: true, description: 'Replaces the whole membership.' }) memberIds?: string[] | null;
}

@InputType({ description: 'Halts a user from now on.' })
export class HaltUserInput {
  @Field(() => ID, { description: 'The user to halt.' }) userId!: string;
  @Field(() => GraphQLISODateTime, {
    nullable: true, description: 'When the halt ends by itself; must be in the future. Null: until resumeUser.',
  })
  until?: Date | null;
  @Field(() => String, { nullable: true, description: 'Why (at most 500 characters); shown only to the user and admins.' })
  reason?: string | null;
}

@InputType({ description: 'Fields left out (or null) keep their value.' })
export class CompanySettingsInput {
  @Field(() => Boolean, { nullable: true, description: 'May the owner of a lead hand its ownership to another agent?' })
  agentsCanChangeOwner?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'May the owner of a lead add and remove its users?' })
  agentsCanChangeUsers?: boolean | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone of users without their own ("America/Chicago").' })
  timeZone?: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Halt an agent whose last N offers (1 to 100) all expired unanswered, until resumed; null turns it off '
      + '(left out: unchanged).',
  })
  haltAfterMissedOffers?: number | null;
}

@InputType({ description: 'How a user is routed. Every field optional: left out, unchanged.' })
export class RoutingProfileInput {
  @Field(() => String, { nullable: true, description: "The user's IANA time zone (\"America/Chicago\"); null: the company's." })
  timeZone?: string | null;
  @Field(() => [WorkingHoursInput], {
    nullable: true,
    description: 'Weekly working hours in that time zone; [] (the default) means always available. Outside them the agent '
      + 'is offered no GENERAL lead (OUTSIDE_HOURS); their own direct leads still reach them.',
  })
  workingHours?: WorkingHoursInput[] | null;
  @Field(() => Int, {
    nullable: true,
    description: 'ADMIN. 1 to 100 [1]: over a source\'s leads, agents head the distribution list in proportion to their weights.',
  })
  routingWeight?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'ADMIN. GENERAL leads the agent may win per day of their time zone (0 to 10000); null: no cap. At the cap they '
      + 'are skipped (AT_CAPACITY) until their next local midnight.',
  })
  dailyLeadCap?: number | null;
  @Field(() => [String], {
    nullable: true,
    description: 'ADMIN. Postal codes or prefixes the agent serves (["787", "78610"]); letters and digits, spaces and dashes ignored.',
  })
  serviceAreas?: string[] | null;
}

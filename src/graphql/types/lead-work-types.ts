// GraphQL types of working leads: the lead list (a Relay connection and its filter) and the
// lead management dashboard.
import { Field, Float, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LeadStateEnum } from './enums.js';
import { Lead } from './lead-types.js';

@InputType({ description: 'Every field is optional; the fields given must all match.' })
export class LeadFilter {
  @Field(() => LeadStateEnum, { nullable: true }) state?: LeadStateEnum | null;
  @Field(() => ID, { nullable: true }) sourceId?: string | null;
  @Field(() => ID, { nullable: true }) ownerId?: string | null;
  @Field(() => ID, { nullable: true }) statusCodeId?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Leads created at or after this time.' })
  createdFrom?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Leads created before this time.' })
  createdTo?: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive part of the name, email or phone (a phone matches on its digits: "512-555" finds +15125550199).',
  })
  search?: string | null;
}

@ObjectType()
export class LeadEdge {
  @Field(() => String, { description: 'Pass as `after` to read the leads that follow this one.' }) cursor!: string;
  @Field(() => Lead) node!: unknown;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'The cursor of the last edge; null on an empty page.' })
  endCursor!: string | null;
}

@ObjectType({ description: 'A page of leads, newest first.' })
export class LeadConnection {
  @Field(() => [LeadEdge]) edges!: LeadEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class LeadStateCount {
  @Field(() => LeadStateEnum) state!: LeadStateEnum;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class LeadSourceCount {
  @Field(() => Int) count!: number;
  sourceId!: number;
}

@ObjectType()
export class LeadStatusCount {
  @Field(() => Int) count!: number;
  statusCodeId!: number;
}

@ObjectType({ description: 'Offers made in the range and how they ended. Auto-accepted direct leads were never offered: not counted.' })
export class OfferStats {
  @Field(() => Int) made!: number;
  @Field(() => Int, { description: 'Still open.' }) pending!: number;
  @Field(() => Int) accepted!: number;
  @Field(() => Int) declined!: number;
  @Field(() => Int) expired!: number;
  @Field(() => Int, { description: 'Closed because another agent accepted first (or an admin assigned the lead).' })
  taken!: number;
}

@ObjectType({ description: "One agent's offers in the range." })
export class AgentOfferStats {
  @Field(() => Int) received!: number;
  @Field(() => Int) pending!: number;
  @Field(() => Int) accepted!: number;
  @Field(() => Int) declined!: number;
  @Field(() => Int) expired!: number;
  @Field(() => Int) taken!: number;
  @Field(() => Float, { nullable: true, description: 'Median seconds from offer to the agent\'s accept or decline; null without any.' })
  medianResponseSeconds!: number | null;
  agentId!: number;
}

@ObjectType({ description: 'The lead management dashboard: leads created and offers made in the range.' })
export class LeadStats {
  @Field(() => Int) total!: number;
  @Field(() => [LeadStateCount], { description: 'Every state, zeros included.' }) byState!: LeadStateCount[];
  @Field(() => [LeadSourceCount], { description: 'Sources with leads, most first.' }) bySource!: LeadSourceCount[];
  @Field(() => [LeadStatusCount], { description: 'Status codes with leads, most first.' }) byStatus!: LeadStatusCount[];
  @Field(() => OfferStats) offers!: OfferStats;
  @Field(() => Float, {
    nullable: true,
    description: 'Median seconds from offer to acceptance, over offers an agent accepted (not auto-accepted direct leads); null when none.',
  })
  medianSecondsToAccept!: number | null;
  @Field(() => Float, { nullable: true, description: '90th percentile (nearest rank) of the same; null when none.' })
  p90SecondsToAccept!: number | null;
  @Field(() => [AgentOfferStats], { description: 'Agents with offers in the range, by id.' }) perAgent!: AgentOfferStats[];
}

// GraphQL types of working leads: the lead list (a Relay connection and its filter) and the
// lead management dashboard.
import { Field, Float, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LeadStateEnum } from './enums.js';
import { Lead } from './lead-types.js';

@InputType({ description: 'Every field is optional; the fields given must all match.' })
export class LeadFilter {
  @Field(() => LeadStateEnum, { nullable: true, description: 'Leads in this state.' }) state?: LeadStateEnum | null;
  @Field(() => ID, { nullable: true, description: 'Leads that came in through this source.' }) sourceId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Leads this user owns.' }) ownerId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Leads with this status code.' }) statusCodeId?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Leads created at or after this time.' })
  createdFrom?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Leads created before this time.' })
  createdTo?: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive part of the name, email or phone (a phone matches on its digits: "512-555" finds +15125550199); '
      + 'at most 200 characters.',
  })
  search?: string | null;
}

@ObjectType({ description: 'One lead of a page, with its cursor.' })
export class LeadEdge {
  @Field(() => String, { description: 'Pass as `after` to read the leads that follow this one.' }) cursor!: string;
  @Field(() => Lead, { description: 'The lead.' }) node!: unknown;
}

@ObjectType({ description: 'Where a page stands in the list (Relay connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when older leads follow: pass endCursor as `after` to read them.' }) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'The cursor of the last edge; null on an empty page.' })
  endCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'The cursor of the first edge; null on an empty page.' })
  startCursor!: string | null;
}

@ObjectType({ description: 'A page of leads, newest first.' })
export class LeadConnection {
  @Field(() => [LeadEdge], { description: 'The page\'s leads, newest first; at most `first` of them.' }) edges!: LeadEdge[];
  @Field(() => PageInfo, { description: 'Whether more pages follow, and the cursor to read the next one.' }) pageInfo!: PageInfo;
}

@ObjectType({ description: 'Leads created in the range that are in one state now.' })
export class LeadStateCount {
  @Field(() => LeadStateEnum, { description: 'The state.' }) state!: LeadStateEnum;
  @Field(() => Int, { description: 'Leads created in the range that are in this state now.' }) count!: number;
}

@ObjectType({ description: 'Leads created in the range through one source.' })
export class LeadSourceCount {
  @Field(() => Int, { description: 'Leads created in the range through this source.' }) count!: number;
  sourceId!: number;
}

@ObjectType({ description: 'Leads created in the range that have one status code now.' })
export class LeadStatusCount {
  @Field(() => Int, { description: 'Leads created in the range that have this status code now.' }) count!: number;
  statusCodeId!: number;
}

@ObjectType({ description: 'Offers made in the range and how they ended. Auto-accepted direct leads were never offered: not counted.' })
export class OfferStats {
  @Field(() => Int, { description: 'Offers made in the range: the sum of the five counts below.' }) made!: number;
  @Field(() => Int, { description: 'Still open.' }) pending!: number;
  @Field(() => Int, { description: 'Accepted: the agent won the lead.' }) accepted!: number;
  @Field(() => Int, { description: 'Declined by the agent.' }) declined!: number;
  @Field(() => Int, { description: 'Closed unanswered (or because the agent was deactivated).' }) expired!: number;
  @Field(() => Int, { description: 'Closed because another agent accepted first (or an admin assigned the lead).' })
  taken!: number;
}

@ObjectType({ description: "One agent's offers in the range." })
export class AgentOfferStats {
  @Field(() => Int, { description: 'Offers made to the agent in the range: the sum of the five counts below.' }) received!: number;
  @Field(() => Int, { description: 'Still open.' }) pending!: number;
  @Field(() => Int, { description: 'Accepted: the agent won the lead.' }) accepted!: number;
  @Field(() => Int, { description: 'Declined by the agent.' }) declined!: number;
  @Field(() => Int, { description: 'Closed unanswered (or because the agent was deactivated).' }) expired!: number;
  @Field(() => Int, { description: 'Closed because another agent accepted first (or an admin assigned the lead).' }) taken!: number;
  @Field(() => Float, { nullable: true, description: 'Median seconds from offer to the agent\'s accept or decline; null without any.' })
  medianResponseSeconds!: number | null;
  agentId!: number;
}

@ObjectType({ description: "Leads reclaimed from one agent in the range (they missed the source's contact deadline)." })
export class AgentReclaimCount {
  @Field(() => Int, { description: 'RECLAIMED events naming this agent as the former owner in the range.' }) count!: number;
  agentId!: number;
}

@ObjectType({ description: 'The lead management dashboard: leads created and offers made in the range.' })
export class LeadStats {
  @Field(() => Int, { description: 'Leads created in the range.' }) total!: number;
  @Field(() => [LeadStateCount], { description: 'Every state, zeros included.' }) byState!: LeadStateCount[];
  @Field(() => [LeadSourceCount], { description: 'Sources with leads, most first.' }) bySource!: LeadSourceCount[];
  @Field(() => [LeadStatusCount], { description: 'Status codes with leads, most first.' }) byStatus!: LeadStatusCount[];
  @Field(() => OfferStats, { description: 'Offers made in the range, by how they ended.' }) offers!: OfferStats;
  @Field(() => Float, {
    nullable: true,
    description: 'Median seconds from offer to acceptance, over offers an agent accepted (not auto-accepted direct leads); null when none.',
  })
  medianSecondsToAccept!: number | null;
  @Field(() => Float, { nullable: true, description: '90th percentile (nearest rank) of the same; null when none.' })
  p90SecondsToAccept!: number | null;
  @Field(() => [AgentOfferStats], { description: 'Agents with offers in the range, by id.' }) perAgent!: AgentOfferStats[];
  @Field(() => Int, {
    description: 'Leads reclaimed in the range (RECLAIMED events whose time is in it: an owner who logged no contact and set '
      + "no status within the source's contactDeadlineSeconds). A lead reclaimed twice counts twice.",
  })
  reclaims!: number;
  @Field(() => [AgentReclaimCount], { description: 'Reclaims in the range per former owner, most first (ties by agent id).' })
  reclaimsByAgent!: AgentReclaimCount[];
}

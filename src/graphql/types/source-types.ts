// GraphQL object and input types of lead sources: where leads come in, and their routing rules.
import { Field, Float, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import { RoutingReasonEnum } from './enums.js';
import { User } from './org-types.js';

/**
 * Every LeadSource field but id and name is for admins (graphql/field-access.ts), and nullable so that
 * an agent's query selecting one gets null and FORBIDDEN on that field alone, not on the whole answer.
 */
export const ADMIN_ONLY = ' ADMIN only: null for anyone else, with FORBIDDEN on this field alone.';

@ObjectType({
  description: 'Where leads come in (a web form, a portal, an open house), with the rules that route them. '
    + 'Everyone who may see a lead sees its source\'s id and name; every other field is for admins: null for anyone '
    + 'else, with a FORBIDDEN error on that field alone (the rest of the answer is given).',
})
export class LeadSource {
  @Field(() => ID, { description: "The source's id (SubmitLeadInput.sourceId)." }) id!: number;
  @Field(() => String, { description: 'What the source is called ("Brokerage website", "Zillow").' }) name!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Lets a public web form submit leads to this source without a token (SubmitLeadInput.sourceKey, '
      + `POST /forms/<publicKey>); rotateLeadSourceKey replaces it.${ADMIN_ONLY}`,
  })
  publicKey!: string;
  @Field(() => Boolean, { nullable: true, description: `Leads from an agent's own site or listing go straight to that agent.${ADMIN_ONLY}` })
  allowDirectToUser!: boolean;
  @Field(() => Boolean, { nullable: true, description: `A direct lead is accepted for the agent at once: no offer, no fee.${ADMIN_ONLY}` })
  directToUserAutoAccept!: boolean;
  @Field(() => Int, {
    nullable: true,
    description: 'Seconds. Without auto-accept: how long the agent has to accept a direct lead before it is routed as a '
      + `general lead.${ADMIN_ONLY}`,
  })
  directToUserWindowSeconds!: number;
  @Field(() => Int, {
    nullable: true,
    description: `Seconds each offer of a general lead stays open (a round ends when they have all been answered or expired).${ADMIN_ONLY}`,
  })
  acceptanceWindowSeconds!: number;
  @Field(() => Int, { nullable: true, description: `How many agents are offered a general lead at once.${ADMIN_ONLY}` })
  raceAgentCount!: number;
  @Field(() => Float, {
    nullable: true,
    description: `Percent (0 to 100) recorded on a lead when an agent accepts it as a general lead (never on a direct lead).${ADMIN_ONLY}`,
  })
  referralFeePercent!: number;
  @Field(() => String, {
    nullable: true,
    description: `Where a web form post redirects after success; null: the server's own page.${ADMIN_ONLY}`,
  })
  thankYouUrl!: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Seconds the winner of one of this source\'s leads (an agent who accepted it in a race) has to log a contact '
      + '(logContact) or set its status, or the lead is RECLAIMED and routed on without them; null: no deadline.' + ADMIN_ONLY,
  })
  contactDeadlineSeconds!: number | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'A lead whose email (any case) or phone matches an earlier lead with an active owner goes straight to that '
      + `owner as a REPEAT lead: ASSIGNED, no offers, no fee.${ADMIN_ONLY}`,
  })
  repeatLeadsToOwner!: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true, description: `When the source was created.${ADMIN_ONLY}` })
  createdAt!: Date;
  @Field(() => Boolean, {
    nullable: true,
    description: 'A general lead with a postalCode is offered only to agents whose serviceAreas match it (a service area '
      + 'matches a postal code it is a prefix of); the others are NOT_IN_AREA. A round in which nobody in the area could be '
      + `offered it is offered without the rule.${ADMIN_ONLY}`,
  })
  matchServiceArea!: boolean;
  @Field(() => Int, {
    nullable: true,
    description: `After this many rounds without a taker, matchServiceArea no longer applies to the lead; null: it always does.${ADMIN_ONLY}`,
  })
  widenAfterRounds!: number | null;
}

@ObjectType({ description: 'One agent considered for the first round of a general lead, and why they would or would not be offered it.' })
export class RoutingPreviewEntry {
  @Field(() => User, { description: 'The agent.' }) agent!: unknown;
  @Field(() => RoutingReasonEnum, { description: 'OFFERED, WAITING (eligible, later in the list), or why they are skipped.' })
  reason!: RoutingReasonEnum;
}

@InputType({
  description: 'On create, a field left out takes its default (in brackets). On update, a field left out or null '
    + 'keeps its current value.',
})
export class LeadSourceInput {
  @Field(() => String, { description: 'Required, also on update.' }) name!: string;
  @Field(() => Boolean, { nullable: true, description: "[true] Leads from an agent's own site or listing go straight to that agent." })
  allowDirectToUser?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: '[true] A direct lead is accepted for the agent at once.' })
  directToUserAutoAccept?: boolean | null;
  @Field(() => Int, { nullable: true, description: '[900] Seconds the agent has to accept a direct lead; 1 to 604800 (7 days).' })
  directToUserWindowSeconds?: number | null;
  @Field(() => [ID], {
    nullable: true,
    description: "[all offices] The offices whose agents may be offered this source's general leads; [] means all offices.",
  })
  officeIds?: string[] | null;
  @Field(() => ID, {
    nullable: true,
    description: '[none] Only members of this lead group may be offered general leads; "" removes the lead group.',
  })
  leadGroupId?: string | null;
  @Field(() => Float, { nullable: true, description: '[0] Fee recorded when an agent accepts a general lead; 0 to 100.' })
  referralFeePercent?: number | null;
  @Field(() => Int, { nullable: true, description: '[900] Seconds each offer stays open; 1 to 604800 (7 days).' })
  acceptanceWindowSeconds?: number | null;
  @Field(() => Int, { nullable: true, description: '[1] Agents offered a general lead at once; 1 to 50.' })
  raceAgentCount?: number | null;
  @Field(() => String, {
    nullable: true,
    description: '[none] An http(s) URL a web form post redirects to after success; "" removes it.',
  })
  thankYouUrl?: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description: '[false] A lead with a postalCode is offered only to agents whose serviceAreas match it (others: NOT_IN_AREA).',
  })
  matchServiceArea?: boolean | null;
  @Field(() => Int, {
    nullable: true,
    description: '[none] After this many rounds without a taker, matchServiceArea no longer applies; 1 to 100; 0 removes it.',
  })
  widenAfterRounds?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: '[none] Seconds the winner of a lead has, from accepting, to log a contact or set its status before the lead is '
      + 'reclaimed and routed on; 1 to 604800 (7 days), or 0 to remove the deadline. Applies to leads accepted from then on.',
  })
  contactDeadlineSeconds?: number | null;
  @Field(() => Boolean, {
    nullable: true,
    description: '[false] A returning client (email in any case, or phone, of an earlier lead with an active owner) goes straight '
      + 'to that owner as a REPEAT lead instead of being raced.',
  })
  repeatLeadsToOwner?: boolean | null;
}

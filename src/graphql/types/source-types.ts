// GraphQL object and input types of lead sources: where leads come in, and their routing rules.
import { Field, Float, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description: 'Where leads come in (a web form, a portal, an open house), with the rules that route them. '
    + 'Everyone who may see a lead sees its source\'s id and name; every other field is for admins (FORBIDDEN otherwise).',
})
export class LeadSource {
  @Field(() => ID, { description: "The source's id (SubmitLeadInput.sourceId)." }) id!: number;
  @Field(() => String, { description: 'What the source is called ("Brokerage website", "Zillow").' }) name!: string;
  @Field(() => String, {
    description: 'Lets a public web form submit leads to this source without a token (SubmitLeadInput.sourceKey, POST /forms/<publicKey>); '
      + 'rotateLeadSourceKey replaces it.',
  })
  publicKey!: string;
  @Field(() => Boolean, { description: "Leads from an agent's own site or listing go straight to that agent." })
  allowDirectToUser!: boolean;
  @Field(() => Boolean, { description: 'A direct lead is accepted for the agent at once: no offer, no fee.' })
  directToUserAutoAccept!: boolean;
  @Field(() => Int, {
    description: 'Seconds. Without auto-accept: how long the agent has to accept a direct lead before it is routed as a general lead.',
  })
  directToUserWindowSeconds!: number;
  @Field(() => Int, {
    description: 'Seconds each offer of a general lead stays open (a round ends when they have all been answered or expired).',
  })
  acceptanceWindowSeconds!: number;
  @Field(() => Int, { description: 'How many agents are offered a general lead at once.' })
  raceAgentCount!: number;
  @Field(() => Float, {
    description: 'Percent (0 to 100) recorded on a lead when an agent accepts it as a general lead (never on a direct lead).',
  })
  referralFeePercent!: number;
  @Field(() => String, { nullable: true, description: "Where a web form post redirects after success; null: the server's own page." })
  thankYouUrl!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'ADMIN (null with FORBIDDEN for anyone else).' })
  createdAt!: Date;
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
}

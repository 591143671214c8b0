// GraphQL types of leads, offers, lead events and routing explanations.
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import {
  LeadEventTypeEnum, LeadKindEnum, LeadStateEnum, OfferEventTypeEnum, OfferStateEnum, RoutingReasonEnum,
} from './enums.js';

@ObjectType({
  description: 'A prospect who came in through a lead source. Contact fields (lastName, email, phone) are null '
    + 'for a viewer who is neither an admin nor the owner or a user of the lead (contactHidden says so).',
})
export class Lead {
  @Field(() => ID) id!: number;
  @Field(() => LeadKindEnum) kind!: LeadKindEnum;
  @Field(() => LeadStateEnum) state!: LeadStateEnum;
  @Field(() => String) firstName!: string;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) phone!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Where the client wants to buy or sell: a form\'s postal code, or the ZIP of the property a portal\'s '
      + 'email is about. Shown to an agent deciding on an offer (an area, not a person); null when the lead gave none.',
  })
  postalCode!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The property the lead is about (the listing a portal\'s email names, or a form\'s address), as written '
      + 'there. It may be the client\'s own home, so it is shown only to those who see contact details.',
  })
  propertyAddress!: string | null;
  @Field(() => Number, { nullable: true, description: 'Recorded when an agent accepted a general offer.' })
  referralFeePercent!: number | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => Int, { description: 'The last routing round started (0 before the first).' }) round!: number;
}

@ObjectType({ description: 'An offer of a lead to one agent, open until expiresAt.' })
export class Offer {
  @Field(() => ID) id!: number;
  @Field(() => OfferStateEnum) state!: OfferStateEnum;
  @Field(() => Int) round!: number;
  @Field(() => Boolean, { description: "True for the offer of a lead from the agent's own site or listing." })
  direct!: boolean;
  @Field(() => GraphQLISODateTime) offeredAt!: Date;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) respondedAt!: Date | null;
}

@ObjectType({ description: 'A change of one of your offers (the `offers` subscription).' })
export class OfferEvent {
  @Field(() => OfferEventTypeEnum) type!: OfferEventTypeEnum;
  @Field(() => Offer) offer!: unknown;
}

@ObjectType({ description: 'One entry of a lead\'s audit trail.' })
export class LeadEvent {
  @Field(() => ID) id!: number;
  @Field(() => LeadEventTypeEnum) type!: LeadEventTypeEnum;
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType({ description: 'One agent considered in one routing round, and why they were or were not offered the lead.' })
export class RoutingDecision {
  @Field(() => Int) round!: number;
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => RoutingReasonEnum) reason!: RoutingReasonEnum;
  agentId!: number;
}

@InputType({ description: 'A new lead. Give sourceKey (public web forms, no token) or sourceId (admins).' })
export class SubmitLeadInput {
  @Field(() => ID, { nullable: true }) sourceId?: string | null;
  @Field(() => String, { nullable: true, description: "The source's publicKey; no token needed." }) sourceKey?: string | null;
  @Field(() => ID, { nullable: true, description: 'The agent whose own site or listing the lead came from.' })
  targetUserId?: string | null;
  @Field(() => String) firstName!: string;
  @Field(() => String, { nullable: true }) lastName?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) message?: string | null;
  @Field(() => String, { nullable: true, description: 'Where the client wants to buy or sell (a postal code), at most 20 characters.' })
  postalCode?: string | null;
  @Field(() => String, { nullable: true, description: 'The property the lead is about, at most 300 characters.' })
  propertyAddress?: string | null;
  @Field(() => String, { nullable: true, description: "The sender's own id: a second submission with it returns the first lead." })
  externalId?: string | null;
}

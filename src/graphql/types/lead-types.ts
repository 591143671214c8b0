// GraphQL types of leads, offers, lead events and routing explanations.
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import {
  ContactKindEnum, LeadEventTypeEnum, LeadKindEnum, LeadStateEnum, OfferEventTypeEnum, OfferStateEnum, RoutingReasonEnum,
} from './enums.js';

@ObjectType({
  description: 'A prospect who came in through a lead source. Admins and the lead\'s owner and users see all of it; an agent '
    + 'who was offered it sees id, kind, state, createdAt, firstName, message, postalCode, price, source, status, round and their '
    + 'own offers, '
    + 'the rest being null or empty (contactHidden says so); whoever submitted it without otherwise seeing it '
    + '(a web form) gets id, kind, state and createdAt only.',
})
export class Lead {
  @Field(() => ID, { description: 'The lead\'s id.' }) id!: number;
  @Field(() => LeadKindEnum, { description: 'DIRECT_TO_USER, GENERAL or REPEAT, decided when the lead came in.' }) kind!: LeadKindEnum;
  @Field(() => LeadStateEnum, { description: 'ROUTING (no owner yet), ASSIGNED (has an owner) or UNASSIGNED (in the admins\' pool).' })
  state!: LeadStateEnum;
  @Field(() => String, { description: 'The prospect\'s first name (never empty). Shown to agents offered the lead.' }) firstName!: string;
  @Field(() => String, {
    nullable: true, description: 'What the prospect wrote; null when they wrote nothing. Shown to agents offered the lead.',
  })
  message!: string | null;
  @Field(() => String, { nullable: true, description: 'Null when not given, or hidden from you (contactHidden).' })
  lastName!: string | null;
  @Field(() => String, {
    nullable: true, description: 'Email address, lower-cased. Null when not given, or hidden from you (contactHidden).',
  })
  email!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'E.164 ("(512) 555-0143" with DEFAULT_PHONE_REGION US is +15125550143). Null when not given, or hidden '
      + 'from you (contactHidden).',
  })
  phone!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Where the client wants to buy or sell: a form\'s postal code, or the ZIP of the property a portal\'s '
      + 'email is about. Shown to agents offered the lead (an area, not a person); null when the lead gave none.',
  })
  postalCode!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The property the lead is about (the listing a portal\'s email names, or a form\'s address), as written '
      + 'there. Null when not given, or hidden from you (contactHidden): it may be the client\'s own home.',
  })
  propertyAddress!: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'The listing\'s price where the lead gave one (a portal\'s "List Price: $615,000" is 615000; "$450K" is '
      + '450000), in whole units of the listing\'s currency; a rental\'s monthly rent as listed. Null when not given or '
      + 'not one figure (a range). Shown to agents offered the lead: it is about the property, not the person.',
  })
  price!: number | null;
  @Field(() => Number, {
    nullable: true,
    description: 'Percent of the commission recorded when an agent accepted a GENERAL offer (the source\'s referralFeePercent '
      + 'then); null before that, for a direct lead, or when hidden from you (contactHidden).',
  })
  referralFeePercent!: number | null;
  @Field(() => GraphQLISODateTime, { description: 'When the lead came in.' }) createdAt!: Date;
  @Field(() => Int, { description: 'The last routing round started (0 before the first; a direct lead\'s offer is round 1).' })
  round!: number;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When a contact with the client was last logged (logContact); null before the first, or when hidden from you (contactHidden).',
  })
  lastContactAt!: Date | null;
}

@ObjectType({ description: 'A contact with a lead\'s client that an agent or admin logged (logContact).' })
export class LeadContact {
  @Field(() => ID, { description: 'The contact\'s id.' }) id!: number;
  @Field(() => ContactKindEnum, { description: 'How the client was reached.' }) kind!: ContactKindEnum;
  @Field(() => String, { nullable: true, description: 'The note given; null when none.' }) note!: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was logged.' }) at!: Date;
}

@ObjectType({ description: 'An offer of a lead to one agent, open until expiresAt.' })
export class Offer {
  @Field(() => ID, { description: 'The offer\'s id: pass it to acceptOffer or declineOffer.' }) id!: number;
  @Field(() => OfferStateEnum, { description: 'PENDING until answered or closed; every other state is final.' }) state!: OfferStateEnum;
  @Field(() => Int, { description: 'The routing round that made the offer, from 1.' }) round!: number;
  @Field(() => Boolean, { description: "True for the offer of a lead from the agent's own site or listing." })
  direct!: boolean;
  @Field(() => GraphQLISODateTime, { description: 'When the offer was made.' }) offeredAt!: Date;
  @Field(() => GraphQLISODateTime, {
    description: 'When the offer stops being open: offeredAt plus the source\'s acceptanceWindowSeconds (directToUserWindowSeconds '
      + 'for a direct offer). An accept or decline at or after it is OFFER_CLOSED.',
  })
  expiresAt!: Date;
  @Field(() => GraphQLISODateTime, {
    nullable: true, description: 'When the offer left PENDING (answered, expired or taken); null while PENDING.',
  })
  respondedAt!: Date | null;
}

@ObjectType({ description: 'A change of one of your offers (the `offers` subscription).' })
export class OfferEvent {
  @Field(() => OfferEventTypeEnum, { description: 'What happened: RECEIVED, then one of ACCEPTED, DECLINED, EXPIRED, TAKEN.' })
  type!: OfferEventTypeEnum;
  @Field(() => Offer, { description: 'The offer as it stands after the change.' }) offer!: unknown;
}

@ObjectType({ description: 'One entry of a lead\'s audit trail.' })
export class LeadEvent {
  @Field(() => ID, { description: 'The event\'s id; ids grow in the order events were written.' }) id!: number;
  @Field(() => LeadEventTypeEnum, { description: 'What happened.' }) type!: LeadEventTypeEnum;
  @Field(() => GraphQLISODateTime, { description: 'When it happened.' }) at!: Date;
  @Field(() => String, {
    nullable: true,
    description: 'The note given with a change (setLeadOwner, addLeadUser, removeLeadUser, returnLeadToBroker), or the '
      + 'server\'s explanation (an offer closed because its agent was deactivated); null when there is none.',
  })
  note!: string | null;
}

@ObjectType({ description: 'One agent considered in one routing round, and why they were or were not offered the lead.' })
export class RoutingDecision {
  @Field(() => Int, { description: 'The routing round, from 1.' }) round!: number;
  @Field(() => GraphQLISODateTime, { description: 'When the round started.' }) at!: Date;
  @Field(() => RoutingReasonEnum, { description: 'Why the agent was or was not offered the lead in this round.' })
  reason!: RoutingReasonEnum;
  agentId!: number;
}

@InputType({ description: 'A new lead. Give sourceKey (public web forms, no token) or sourceId (admins).' })
export class SubmitLeadInput {
  @Field(() => ID, { nullable: true, description: 'The lead source (ADMIN only; anyone else uses sourceKey).' }) sourceId?: string | null;
  @Field(() => String, { nullable: true, description: "The source's publicKey; no token needed." }) sourceKey?: string | null;
  @Field(() => ID, { nullable: true, description: 'The agent whose own site or listing the lead came from.' })
  targetUserId?: string | null;
  @Field(() => String, { description: 'Required: 1 to 100 characters after trimming.' }) firstName!: string;
  @Field(() => String, { nullable: true, description: 'At most 100 characters; blank counts as not given.' }) lastName?: string | null;
  @Field(() => String, { nullable: true, description: 'A valid email address (BAD_USER_INPUT otherwise), stored lower-cased.' })
  email?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'A phone number possible in its country, stored in E.164; without a leading + it is read as a number of '
      + 'DEFAULT_PHONE_REGION (BAD_USER_INPUT otherwise).',
  })
  phone?: string | null;
  @Field(() => String, { nullable: true, description: 'Where the client wants to buy or sell (a postal code), at most 20 characters.' })
  postalCode?: string | null;
  @Field(() => String, { nullable: true, description: 'The property the lead is about, at most 300 characters.' })
  propertyAddress?: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'The listing\'s price in whole units of its currency (a rental\'s monthly rent), 1 to 2000000000 '
      + '(BAD_USER_INPUT otherwise).',
  })
  price?: number | null;
  @Field(() => String, {
    nullable: true, description: 'What the prospect wrote, at most 5000 characters. Shown to the agents offered the lead.',
  })
  message?: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The sender's own id (at most 200 characters): a second submission to the same source with it creates "
      + 'nothing and returns the first lead (only id, kind, state and createdAt unless you may see that lead).',
  })
  externalId?: string | null;
}

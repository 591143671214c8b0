// GraphQL enums of the contract, registered once, each value described for client developers.
import { registerEnumType } from 'type-graphql';

export enum RoleEnum { ADMIN = 'ADMIN', AGENT = 'AGENT' }
export enum LeadKindEnum { DIRECT_TO_USER = 'DIRECT_TO_USER', GENERAL = 'GENERAL', REPEAT = 'REPEAT' }
export enum ContactKindEnum { CALL = 'CALL', TEXT = 'TEXT', EMAIL = 'EMAIL', MEETING = 'MEETING', OTHER = 'OTHER' }
export enum LeadStateEnum { ROUTING = 'ROUTING', ASSIGNED = 'ASSIGNED', UNASSIGNED = 'UNASSIGNED' }
export enum OfferStateEnum {
  PENDING = 'PENDING', ACCEPTED = 'ACCEPTED', DECLINED = 'DECLINED', EXPIRED = 'EXPIRED', TAKEN = 'TAKEN',
}
export enum OfferEventTypeEnum {
  RECEIVED = 'RECEIVED', ACCEPTED = 'ACCEPTED', DECLINED = 'DECLINED', EXPIRED = 'EXPIRED', TAKEN = 'TAKEN',
}
export enum LeadEventTypeEnum {
  CREATED = 'CREATED', OFFERED = 'OFFERED', ACCEPTED = 'ACCEPTED', DECLINED = 'DECLINED', EXPIRED = 'EXPIRED',
  ASSIGNED = 'ASSIGNED', UNASSIGNED = 'UNASSIGNED', OWNER_CHANGED = 'OWNER_CHANGED', USER_ADDED = 'USER_ADDED',
  USER_REMOVED = 'USER_REMOVED', STATUS_CHANGED = 'STATUS_CHANGED', CONTACTED = 'CONTACTED', RECLAIMED = 'RECLAIMED',
}
export enum RoutingReasonEnum {
  OFFERED = 'OFFERED', ALREADY_OFFERED = 'ALREADY_OFFERED', HALTED = 'HALTED', OUT_OF_OFFICE = 'OUT_OF_OFFICE',
  INACTIVE = 'INACTIVE', NOT_IN_OFFICE = 'NOT_IN_OFFICE', NOT_IN_LEAD_GROUP = 'NOT_IN_LEAD_GROUP', WAITING = 'WAITING',
  OUTSIDE_HOURS = 'OUTSIDE_HOURS', AT_CAPACITY = 'AT_CAPACITY', NOT_IN_AREA = 'NOT_IN_AREA',
}
export enum WeekdayEnum { MON = 'MON', TUE = 'TUE', WED = 'WED', THU = 'THU', FRI = 'FRI', SAT = 'SAT', SUN = 'SUN' }

registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What a user may do.',
  valuesConfig: {
    ADMIN: { description: 'Manages users, tokens, offices, sources, status codes and settings; sees and changes every lead.' },
    AGENT: { description: 'Is offered leads, and works the leads they own or were added to (within the company settings).' },
  },
});
registerEnumType(LeadKindEnum, {
  name: 'LeadKind',
  description: 'How a lead is routed, decided when it comes in.',
  valuesConfig: {
    DIRECT_TO_USER: {
      description: "From an agent's own site or listing (SubmitLeadInput.targetUserId) on a source with allowDirectToUser: "
        + 'offered to that agent alone (or accepted for them at once with directToUserAutoAccept); if they decline or '
        + 'let it expire, it is routed like a GENERAL lead. Never carries a referral fee.',
    },
    GENERAL: { description: "Offered to the source's eligible agents in round-robin rounds; the first to accept wins it." },
    REPEAT: {
      description: 'A returning client: on a source with repeatLeadsToOwner, a lead whose email (any case) or phone matched an '
        + 'earlier lead with an active owner went straight to that owner (ASSIGNED, no offers, no fee; repeatOf names the '
        + 'earlier lead). A lead with a targetUserId the source takes as direct stays DIRECT_TO_USER.',
    },
  },
});
registerEnumType(ContactKindEnum, {
  name: 'ContactKind',
  description: 'How an agent reached out to a lead\'s client (logContact).',
  valuesConfig: {
    CALL: { description: 'A phone call.' },
    TEXT: { description: 'A text message.' },
    EMAIL: { description: 'An email.' },
    MEETING: { description: 'A meeting in person or by video.' },
    OTHER: { description: 'Any other way (the note says which).' },
  },
});
registerEnumType(LeadStateEnum, {
  name: 'LeadState',
  description: 'Where a lead stands.',
  valuesConfig: {
    ROUTING: { description: 'Offers are out, or about to be: no owner yet.' },
    ASSIGNED: { description: 'The lead has an owner (who accepted it, or whom an admin or the former owner gave it to).' },
    UNASSIGNED: {
      description: "No eligible agent was left to offer it, or an admin returned it to the broker: it waits in the admins' pool "
        + 'until an admin gives it an owner (setLeadOwner).',
    },
  },
});
registerEnumType(OfferStateEnum, {
  name: 'OfferState',
  description: 'Where one offer of a lead to one agent stands. Only PENDING offers can be answered; the others are final.',
  valuesConfig: {
    PENDING: { description: 'Open: the agent may accept or decline it until expiresAt.' },
    ACCEPTED: {
      description: 'The agent won the lead: they accepted first, a direct lead was accepted for them automatically, or an '
        + 'admin gave them the lead while this offer was open.',
    },
    DECLINED: { description: 'The agent declined it.' },
    EXPIRED: { description: 'Its window closed unanswered, or the agent was deactivated while it was open.' },
    TAKEN: { description: 'Another agent accepted the lead first, or an admin gave it to someone else, while this offer was open.' },
  },
});
registerEnumType(OfferEventTypeEnum, {
  name: 'OfferEventType',
  description: 'What happened to one of your offers (the `offers` subscription): RECEIVED first, then exactly one of the '
    + 'others (a direct lead accepted for you automatically sends ACCEPTED alone).',
  valuesConfig: {
    RECEIVED: { description: 'A new offer to you, PENDING until its expiresAt.' },
    ACCEPTED: { description: 'The offer is ACCEPTED: the lead is yours; read its contact details through offer.lead.' },
    DECLINED: { description: 'The offer is DECLINED (by you, possibly from another device or the offer page).' },
    EXPIRED: { description: 'The offer EXPIRED unanswered.' },
    TAKEN: { description: 'Another agent accepted first, or an admin gave the lead to someone else: the offer is closed.' },
  },
});
registerEnumType(LeadEventTypeEnum, {
  name: 'LeadEventType',
  description: "One kind of entry in a lead's audit trail (Lead.events, the leadEvents subscription).",
  valuesConfig: {
    CREATED: {
      description: 'The lead came in (actor: the signed-in user who submitted it; null for an anonymous web form or forwarded email).',
    },
    OFFERED: { description: 'An offer went to `agent` (one event per agent of a round).' },
    ACCEPTED: { description: "`agent` accepted their offer (or a direct lead was accepted for them automatically)." },
    DECLINED: { description: '`agent` declined their offer.' },
    EXPIRED: { description: "`agent`'s offer expired unanswered, or closed because the agent was deactivated (the note says so)." },
    ASSIGNED: { description: 'The lead got its owner, `agent`, and is now ASSIGNED.' },
    UNASSIGNED: {
      description: "The lead went to the admins' pool: no eligible agent was left, or an admin returned it to the broker "
        + '(`agent`: the former owner).',
    },
    OWNER_CHANGED: { description: 'The owner was changed by hand to `agent` (setLeadOwner); the note is the one given.' },
    USER_ADDED: { description: '`agent` was added to the users who work the lead.' },
    USER_REMOVED: { description: '`agent` was removed from the users who work the lead.' },
    STATUS_CHANGED: { description: "The lead's status was set to `statusCode`." },
    CONTACTED: { description: '`agent` (the owner, a user or an admin) logged a contact with the client (logContact); the note is the one given.' },
    RECLAIMED: {
      description: "The owner, `agent`, logged no contact and set no status within the source's contactDeadlineSeconds of "
        + 'accepting: the lead was taken from them and its users and routed on with the next round (the note says why).',
    },
  },
});
registerEnumType(RoutingReasonEnum, {
  name: 'RoutingReason',
  description: 'Why an agent was or was not offered a lead in one routing round. The first rule that applies is given, '
    + 'in the order INACTIVE, NOT_IN_OFFICE, NOT_IN_LEAD_GROUP, ALREADY_OFFERED, HALTED, OUT_OF_OFFICE, OUTSIDE_HOURS, '
    + 'AT_CAPACITY, NOT_IN_AREA.',
  valuesConfig: {
    OFFERED: { description: 'Offered the lead in this round.' },
    ALREADY_OFFERED: { description: 'Was offered this lead in an earlier round: nobody is offered the same lead twice.' },
    HALTED: { description: 'An admin halt was in force (haltUser): no general leads until it ends.' },
    OUT_OF_OFFICE: { description: 'Had taken themselves out of general routing (setMyAvailability(inOffice: false)).' },
    INACTIVE: { description: 'The user is deactivated.' },
    NOT_IN_OFFICE: { description: "Works in none of the source's offices (a source without offices takes every office)." },
    NOT_IN_LEAD_GROUP: { description: "Not a member of the source's lead group." },
    WAITING: { description: 'Eligible, but later in the distribution list than the raceAgentCount agents offered in this round.' },
    OUTSIDE_HOURS: { description: "Outside their working hours (User.workingHours, in the agent's own time zone)." },
    AT_CAPACITY: { description: 'Had won their dailyLeadCap of GENERAL leads today (their local day) already.' },
    NOT_IN_AREA: { description: "None of their serviceAreas matches the lead's postalCode (the source's matchServiceArea)." },
  },
});
registerEnumType(WeekdayEnum, {
  name: 'Weekday',
  description: 'A day of the week, in the time zone of whoever it belongs to.',
  valuesConfig: {
    MON: { description: 'Monday.' }, TUE: { description: 'Tuesday.' }, WED: { description: 'Wednesday.' },
    THU: { description: 'Thursday.' }, FRI: { description: 'Friday.' }, SAT: { description: 'Saturday.' },
    SUN: { description: 'Sunday.' },
  },
});

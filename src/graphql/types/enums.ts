// GraphQL enums of the contract, registered once.
import { registerEnumType } from 'type-graphql';

export enum RoleEnum { ADMIN = 'ADMIN', AGENT = 'AGENT' }
export enum LeadKindEnum { DIRECT_TO_USER = 'DIRECT_TO_USER', GENERAL = 'GENERAL' }
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
  USER_REMOVED = 'USER_REMOVED', STATUS_CHANGED = 'STATUS_CHANGED',
}
export enum RoutingReasonEnum {
  OFFERED = 'OFFERED', ALREADY_OFFERED = 'ALREADY_OFFERED', HALTED = 'HALTED', OUT_OF_OFFICE = 'OUT_OF_OFFICE',
  INACTIVE = 'INACTIVE', NOT_IN_OFFICE = 'NOT_IN_OFFICE', NOT_IN_LEAD_GROUP = 'NOT_IN_LEAD_GROUP', WAITING = 'WAITING',
}

registerEnumType(RoleEnum, { name: 'Role' });
registerEnumType(LeadKindEnum, { name: 'LeadKind' });
registerEnumType(LeadStateEnum, { name: 'LeadState' });
registerEnumType(OfferStateEnum, { name: 'OfferState' });
registerEnumType(OfferEventTypeEnum, { name: 'OfferEventType' });
registerEnumType(LeadEventTypeEnum, { name: 'LeadEventType' });
registerEnumType(RoutingReasonEnum, { name: 'RoutingReason' });

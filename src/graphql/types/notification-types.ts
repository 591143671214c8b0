// GraphQL type of a message sent to an agent (SMS or email), as admins read it.
import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum NotificationStatusEnum {
  PENDING = 'PENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
}

registerEnumType(NotificationStatusEnum, {
  name: 'NotificationStatus',
  description: 'PENDING: not delivered yet (being sent, or waiting for a retry); SENT: the provider accepted it; '
    + 'FAILED: every attempt failed.',
});

@ObjectType({ description: 'A message sent to an agent about a lead, through one channel.' })
export class Notification {
  @Field(() => ID) id!: number;
  @Field(() => String, { description: 'The channel: sms or email.' }) channel!: string;
  @Field(() => String, { description: 'The phone number or email address it went to.' }) to!: string;
  @Field(() => String, { nullable: true, description: 'Email subject; null for SMS.' }) subject!: string | null;
  @Field(() => String, { description: 'The text sent (an email\'s HTML part is rendered from it).' }) body!: string;
  @Field(() => NotificationStatusEnum) status!: NotificationStatusEnum;
  @Field(() => Int, { description: 'Delivery attempts so far (at most 5).' }) attempts!: number;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' }) lastError!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) sentAt!: Date | null;
}

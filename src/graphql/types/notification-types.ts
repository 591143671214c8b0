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
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: being sent, or waiting for a retry (after 1, 4, 16 and 64 seconds).' },
    SENT: { description: 'The provider (SMTP server, SMS API, or the log channel) accepted it; sentAt says when.' },
    FAILED: { description: 'Every attempt (5) failed; lastError says why the last one did. Not retried again.' },
  },
});

@ObjectType({ description: 'A message sent to an agent about a lead, through one channel.' })
export class Notification {
  @Field(() => ID, { description: "The message's id." }) id!: number;
  @Field(() => String, { description: 'The channel: sms or email.' }) channel!: string;
  @Field(() => String, { description: 'The phone number or email address it went to.' }) to!: string;
  @Field(() => String, { nullable: true, description: 'Email subject; null for SMS.' }) subject!: string | null;
  @Field(() => String, { description: 'The text sent (an email\'s HTML part is rendered from it).' }) body!: string;
  @Field(() => NotificationStatusEnum, { description: 'Whether it was delivered.' }) status!: NotificationStatusEnum;
  @Field(() => Int, { description: 'Delivery attempts so far (at most 5).' }) attempts!: number;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' }) lastError!: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was written to the outbox (with the change it reports).' }) createdAt!: Date;
  @Field(() => GraphQLISODateTime, {
    nullable: true, description: 'When the provider accepted it; null unless SENT.',
  }) sentAt!: Date | null;
}

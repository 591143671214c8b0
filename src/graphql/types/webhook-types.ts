// GraphQL types of webhooks (ADMIN): where lead events are POSTed, and how their deliveries went.
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LeadEventTypeEnum } from './enums.js';

export enum WebhookDeliveryStatusEnum {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookDeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  description: 'Where one delivery of a lead event to a webhook stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: being sent, waiting for a retry (10 s, 1 min, 5 min, 30 min, 2 h after a failure), '
      + 'or waiting for an earlier delivery of the same lead to this webhook.' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Every attempt (6) failed: a non-2xx answer, no answer within 10 s, or a refused address. Not retried again.' },
  },
});

const EVENT_TYPES_DESCRIPTION = 'The lead event types POSTed to it; empty: every type.';

@ObjectType({ description: 'One lead event POSTed (or to be POSTed) to a webhook; the same id (X-Leadrace-Delivery) on every retry.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The delivery id: the body\'s "id" and the X-Leadrace-Delivery header.' }) id!: number;
  @Field(() => LeadEventTypeEnum, { description: 'The lead event it carries.' }) eventType!: LeadEventTypeEnum;
  @Field(() => ID, { description: 'The lead the event is about.' }) leadId!: number;
  @Field(() => WebhookDeliveryStatusEnum, { description: 'Delivered, failed for good, or not yet.' }) status!: WebhookDeliveryStatusEnum;
  @Field(() => Int, { description: 'Attempts so far (at most 6).' }) attempts!: number;
  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last answer; null before the first attempt or when none came.' })
  responseStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed; null unless one did.' }) lastError!: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When the event was written (the delivery with it).' }) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the receiver answered 2xx; null unless DELIVERED.' })
  deliveredAt!: Date | null;
}

@ObjectType({
  description: 'A URL every matching lead event is POSTed to as JSON, signed with X-Leadrace-Signature: sha256=<hex HMAC-SHA256 '
    + 'of "<X-Leadrace-Timestamp>.<raw body>"> keyed with its secret.',
})
export class Webhook {
  @Field(() => ID, { description: "The webhook's id." }) id!: number;
  @Field(() => String, { description: 'Where the events are POSTed (http or https).' }) url!: string;
  @Field(() => [LeadEventTypeEnum], { description: EVENT_TYPES_DESCRIPTION }) eventTypes!: LeadEventTypeEnum[];
  @Field(() => GraphQLISODateTime, { description: 'When it was registered.' }) createdAt!: Date;
}

@ObjectType({ description: 'A new webhook, with its signing secret: shown only in this answer.' })
export class CreatedWebhook {
  @Field(() => ID, { description: "The webhook's id." }) id!: number;
  @Field(() => String, { description: 'Where the events are POSTed.' }) url!: string;
  @Field(() => [LeadEventTypeEnum], { description: EVENT_TYPES_DESCRIPTION }) eventTypes!: LeadEventTypeEnum[];
  @Field(() => String, { description: 'The HMAC-SHA256 key of the signatures, shown only this once: keep it with the receiver.' })
  secret!: string;
}

@InputType({ description: 'A new webhook.' })
export class WebhookInput {
  @Field(() => String, {
    description: 'An http or https URL without credentials, at most 2,000 characters, whose host resolves to public addresses only '
      + '(BAD_USER_INPUT otherwise, unless the server runs with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true).',
  }) url!: string;
  @Field(() => [LeadEventTypeEnum], { nullable: true, description: 'The lead event types to POST; empty or left out: every type.' })
  eventTypes?: LeadEventTypeEnum[] | null;
}

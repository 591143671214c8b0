// GraphQL types of status codes: the ordered list a lead's status is chosen from.
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A lead status ("New", "Showing Houses", "Closed"). New leads get the default one.' })
export class StatusCode {
  @Field(() => ID, { description: "The status code's id." }) id!: number;
  @Field(() => String, { description: 'What it is called ("Showing Houses").' }) name!: string;
  @Field(() => Int, { description: 'Place in the list, from 1.' }) position!: number;
  @Field(() => Boolean, { description: 'The code new leads get. Exactly one code is the default.' }) isDefault!: boolean;
  @Field(() => Boolean, { description: 'An archived code stays on the leads that have it but cannot be chosen.' })
  archived!: boolean;
}

@InputType({ description: 'A new status code, placed at the end of the list.' })
export class CreateStatusCodeInput {
  @Field(() => String, { description: '1 to 80 characters; unique (CONFLICT otherwise).' }) name!: string;
}

@InputType({ description: 'Fields left out (or null) keep their value.' })
export class UpdateStatusCodeInput {
  @Field(() => String, {
    nullable: true, description: 'A new name, 1 to 80 characters; unique (CONFLICT otherwise).',
  }) name?: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'true makes this the default and unsets the previous one; a default cannot be unset, only replaced.',
  })
  isDefault?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'The default code cannot be archived.' }) archived?: boolean | null;
}

// How long a list or a string the API takes, checked on the arguments as they will execute
// (literals and variables alike) before anything runs, over HTTP and WebSockets (query-checks.ts).
// Past a bound the request is BAD_USER_INPUT naming the field, and nothing executes: 40,000
// officeIds used to reach SQLite as 40,000 bound parameters and fail as an internal error.
//
// Every list argument and list input field has its bound here; test/graphql/input-bounds.test.ts
// walks the schema and fails when one has none, so a new list cannot arrive unbounded. Strings
// have one bound for all (the services check tighter ones per field, with their own messages), and
// none may hold a NUL: not only text to store, lookups too (a login's email, a source key), which
// PostgreSQL refuses as an internal error.
import {
  getArgumentValues, getNullableType, isInputObjectType, isInterfaceType, isListType, isObjectType, isUnionType, Kind,
  GraphQLError, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLField,
  type GraphQLInputType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
  getNamedType,
} from 'graphql';
import { badInput } from '../domain/errors.js';
import { MAX_WORKING_HOURS } from '../domain/local-time.js';
import { MAX_SERVICE_AREAS } from '../domain/service-areas.js';
import { NUL_REFUSED } from '../domain/validation.js';

/**
 * The most items each list input takes, by schema coordinate: `Type.field` for an input field,
 * `Type.field(arg:)` for an argument.
 */
export const LIST_BOUNDS: Readonly<Record<string, number>> = {
  // A user works in a few offices; a source routes to some or all of them.
  'CreateUserInput.officeIds': 100,
  'UpdateUserInput.officeIds': 100,
  'LeadSourceInput.officeIds': 1000,
  // A lead group may hold a large share of the brokerage's agents.
  'CreateLeadGroupInput.memberIds': 1000,
  'UpdateLeadGroupInput.memberIds': 1000,
  'Mutation.setUserTags(tagIds:)': 100,
  // Every status code, in their new order.
  'Mutation.reorderStatusCodes(ids:)': 1000,
  // A week of split shifts; a county's worth of postal codes (the services give the exact message).
  'RoutingProfileInput.workingHours': MAX_WORKING_HOURS,
  'RoutingProfileInput.serviceAreas': MAX_SERVICE_AREAS,
  // Each lead event type at most once (repeats are dropped), with room for new types.
  'WebhookInput.eventTypes': 50,
};

/** The longest string any argument or input field takes: a lead's message is at most 5,000 characters. */
export const MAX_STRING_LENGTH = 10_000;

type Fragments = (name: string) => FragmentDefinitionNode | undefined | null;

/** A value over its bound, as the error to answer with (located at the field whose argument it is). */
function refusal(field: string, why: string): (node: FieldNode) => GraphQLError {
  const error = badInput(field, why);
  return (node) => new GraphQLError(error.message, { nodes: [node], originalError: error, extensions: { code: error.code, field, http: { status: 400 } } });
}

type Refusal = ReturnType<typeof refusal>;

/** The first value in `value` (of `type`, at coordinate `at`, named `name`) past its bound. */
function checkValue(value: unknown, type: GraphQLInputType, at: string, name: string): Refusal | null {
  if (value === null || value === undefined) return null;
  const t = getNullableType(type);
  if (isListType(t)) {
    if (!Array.isArray(value)) return null;
    // Unknown coordinates (a list added without a bound) fail the schema test; here they get the smallest bound.
    const max = LIST_BOUNDS[at] ?? 100;
    if (value.length > max) return refusal(name, `at most ${max} items, got ${value.length}`);
    for (const item of value) {
      const error = checkValue(item, t.ofType, at, name);
      if (error) return error;
    }
    return null;
  }
  if (isInputObjectType(t)) {
    if (typeof value !== 'object') return null;
    const fields = t.getFields();
    for (const [key, inner] of Object.entries(value)) {
      const field = fields[key];
      if (!field) continue;
      const error = checkValue(inner, field.type, `${t.name}.${key}`, key);
      if (error) return error;
    }
    return null;
  }
  if (typeof value === 'string' && value.length > MAX_STRING_LENGTH) {
    return refusal(name, `at most ${MAX_STRING_LENGTH} characters, got ${value.length}`);
  }
  if (typeof value === 'string' && value.includes('\u0000')) return refusal(name, NUL_REFUSED);
  return null;
}

function fieldDef(parent: GraphQLCompositeType | null, name: string): GraphQLField<unknown, unknown> | null {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return null;
  return parent.getFields()[name] ?? null;
}

function compositeNamed(schema: GraphQLSchema, name: string): GraphQLCompositeType | null {
  const t = schema.getType(name);
  return t && (isObjectType(t) || isInterfaceType(t) || isUnionType(t)) ? t : null;
}

/**
 * The first argument of `operation` past its bound, as a BAD_USER_INPUT error naming the field, or
 * null. `variables` are the request's, coerced as execution coerces them (getVariableValues).
 */
export function inputBoundsError(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments,
  variables: Readonly<Record<string, unknown>>): GraphQLError | null {
  const seen = new Set<string>();

  function field(node: FieldNode, parent: GraphQLCompositeType | null): GraphQLError | null {
    const def = fieldDef(parent, node.name.value);
    if (!def) return null;
    if (node.arguments?.length) {
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(def, node, variables);
      } catch {
        // Execution refuses arguments that do not coerce, before resolving anything.
        return null;
      }
      for (const arg of def.args) {
        const refused = checkValue(args[arg.name], arg.type, `${parent?.name ?? ''}.${def.name}(${arg.name}:)`, arg.name);
        if (refused) return refused(node);
      }
    }
    if (!node.selectionSet) return null;
    const named = getNamedType(def.type);
    return selections(node.selectionSet, isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? named : null);
  }

  function selections(set: SelectionSetNode, parent: GraphQLCompositeType | null): GraphQLError | null {
    for (const sel of set.selections) {
      let error: GraphQLError | null = null;
      if (sel.kind === Kind.FIELD) error = field(sel, parent);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        error = selections(sel.selectionSet, sel.typeCondition ? compositeNamed(schema, sel.typeCondition.name.value) : parent);
      } else if (!seen.has(sel.name.value)) {
        // A fragment's arguments are the same wherever it is spread: checked once.
        seen.add(sel.name.value);
        const fragment = fragments(sel.name.value);
        if (fragment) error = selections(fragment.selectionSet, compositeNamed(schema, fragment.typeCondition.name.value));
      }
      if (error) return error;
    }
    return null;
  }

  const root = operation.operation === 'query' ? schema.getQueryType()
    : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return selections(operation.selectionSet, root ?? null);
}

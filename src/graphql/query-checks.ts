// What every operation must pass after validation and before it executes, with the request's own
// variables: its list and string arguments within their bounds (input-bounds.ts) and its cost within
// the limit (query-cost.ts). One function for both transports: Apollo calls it from
// query-checks-plugin.ts, graphql-ws from onSubscribe. Validation rules cannot do this: they never
// see variables, and Apollo skips them for a document it has validated before.
import {
  getOperationAST, getVariableValues, Kind, type DocumentNode, type ExecutionArgs, type FragmentDefinitionNode,
  type GraphQLError, type GraphQLSchema,
} from 'graphql';
import { inputBoundsError } from './input-bounds.js';
import { costWithCoercedVariables, MAX_QUERY_COST } from './query-cost.js';
import { QueryLimitCode, QueryLimitError } from './query-limits.js';

export interface OperationCheck {
  /** The refusal to answer with (BAD_USER_INPUT or QUERY_TOO_COMPLEX); nothing may execute. */
  error: GraphQLError | null;
  /** The operation's cost, when it was computed (null: no such operation, or variables that do not coerce). */
  cost: number | null;
}

/**
 * Checks the operation `operationName` of a validated `document` with the raw `variables` of the
 * request. When the operation or its variables are wrong, execution itself refuses the request
 * before resolving anything: that is left to it.
 */
export function checkOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined, limit = MAX_QUERY_COST): OperationCheck {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { error: null, cost: null };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const lookup = (name: string) => fragments.get(name);
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return { error: null, cost: null };
  const bounds = inputBoundsError(schema, operation, lookup, coerced.coerced);
  if (bounds) return { error: bounds, cost: null };
  const cost = costWithCoercedVariables(schema, operation, lookup, coerced.coerced);
  if (cost > limit) {
    return {
      cost,
      error: new QueryLimitError(QueryLimitCode.QUERY_TOO_COMPLEX,
        `query is too complex: its cost is ${cost}, over the limit of ${limit} (each field counts once per item it is `
        + 'resolved for; a list counts its `first` or its size estimate; searches and counts add their work); '
        + 'ask for fewer fields or smaller pages', operation, { limit, actual: cost }),
    };
  }
  return { error: null, cost };
}

/**
 * graphql-ws's onSubscribe answer for a validated document: the operation's execution arguments, or
 * the refusal (the error is sent to the client and nothing executes).
 */
export function checkedExecutionArgs(schema: GraphQLSchema, document: DocumentNode,
  payload: { operationName?: string | null; variables?: Record<string, unknown> | null }): ExecutionArgs | readonly GraphQLError[] {
  const { error } = checkOperation(schema, document, payload.operationName, payload.variables);
  if (error) return [error];
  return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
}

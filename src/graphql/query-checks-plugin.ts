// The operation checks (query-checks.ts) on Apollo's side: run once the operation is known and before
// it executes, where the request's variables are at hand; a refusal answers 400 and nothing runs.
// Every answer that ran reports what it cost: `extensions.cost = { actual, limit }`.
import type { ApolloServerPlugin } from '@apollo/server';
import { checkOperation } from './query-checks.js';
import { MAX_QUERY_COST } from './query-cost.js';

export function queryChecksPlugin<TContext extends object>(limit = MAX_QUERY_COST): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let cost: number | null = null;
      return {
        async didResolveOperation({ schema, document, request }) {
          const check = checkOperation(schema, document, request.operationName, request.variables, limit);
          // Thrown here, Apollo answers with this error alone (its extensions.http makes it a 400).
          if (check.error) throw check.error;
          cost = check.cost;
        },
        async willSendResponse({ response }) {
          if (cost === null || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: { actual: cost, limit } };
        },
      };
    },
  };
}

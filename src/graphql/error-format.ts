// The one place domain errors become GraphQL errors. Anything that is not a DomainError or a
// GraphQL validation error is unexpected: logged, and in production returned without details.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { DomainError, RateLimitedError } from '../domain/errors.js';
import type { GraphQLContext } from './context.js';
import { QueryLimitError } from './query-limits.js';

/** A query-limit refusal, whether bare (graphql-ws) or wrapped by Apollo as a validation error. */
function queryLimitErrorOf(error: unknown): QueryLimitError | null {
  if (error instanceof QueryLimitError) return error;
  return error instanceof GraphQLError && error.originalError instanceof QueryLimitError ? error.originalError : null;
}

/**
 * True for an error neither the caller nor the domain rules explain: a bug, a broken row, a failed
 * statement. Those are logged with the request id; the client sees only INTERNAL_SERVER_ERROR in
 * production.
 */
export function isUnexpectedError(error: GraphQLError): boolean {
  if (unwrapResolverError(error) instanceof DomainError || error.originalError instanceof DomainError) return false;
  if (queryLimitErrorOf(error)) return false;
  const code = error.extensions.code;
  return code === undefined || code === 'INTERNAL_SERVER_ERROR';
}

/** Logs every unexpected error of a request, with its request id and the original error (stack, SQL). */
export function logUnexpectedErrors(log: Logger, requestId: string, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    if (!isUnexpectedError(error)) continue;
    log.error({ reqId: requestId, err: error.originalError ?? error, path: error.path?.join('.') }, 'unexpected error');
  }
}

/** The Apollo side of logUnexpectedErrors. */
export const unexpectedErrorLog: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        logUnexpectedErrors(contextValue.log, contextValue.requestId, errors);
      },
    };
  },
};

/**
 * The domain error behind a GraphQL error: thrown by a resolver, or raised before execution by a
 * check of the arguments (input-bounds.ts), which has no path for unwrapResolverError to go by.
 */
function domainErrorOf(error: unknown): DomainError | null {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return original;
  return error instanceof GraphQLError && error.originalError instanceof DomainError ? error.originalError : null;
}

export function createErrorFormatter(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = domainErrorOf(error);
    if (original) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: {
          code: original.code,
          ...(original.field ? { field: original.field } : {}),
          ...(original instanceof RateLimitedError ? { retryAfterSeconds: original.retryAfterSeconds } : {}),
        },
      };
    }
    // Depth and cost refusals keep their own code (Apollo files them under GRAPHQL_VALIDATION_FAILED).
    const limit = queryLimitErrorOf(error);
    if (limit) {
      return { message: limit.message, locations: formatted.locations, extensions: { code: limit.code, ...limit.figures } };
    }
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      if (production) {
        return { message: 'internal server error', locations: formatted.locations, path: formatted.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    }
    // Argument coercion failures (a wrong enum, a missing field) are the caller's bad input.
    if (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED') {
      const { stacktrace: _omit, ...rest } = formatted.extensions ?? {};
      return { ...formatted, extensions: production ? { code } : rest };
    }
    return production ? { ...formatted, extensions: { code: code ?? 'INTERNAL_SERVER_ERROR' } } : formatted;
  };
}

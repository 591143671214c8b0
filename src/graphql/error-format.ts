// The one place domain errors become GraphQL errors. Anything that is not a DomainError or a
// GraphQL validation error is unexpected: logged, and in production returned without details.
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError } from '../domain/errors.js';

export function createErrorFormatter(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
      };
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

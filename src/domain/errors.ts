// The one error type of the domain. Services throw it; src/graphql/error-format.ts is the one place
// that turns it into a GraphQL error with `extensions.code`. Messages are meant for the API user.

/** The error codes clients may rely on (see the contract). */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  OFFER_CLOSED = 'OFFER_CLOSED',
  RATE_LIMITED = 'RATE_LIMITED',
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, for BAD_USER_INPUT and CONFLICT. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (field: string, why: string): DomainError =>
  new DomainError(ErrorCode.BAD_USER_INPUT, `${field}: ${why}`, field);

export const notFound = (what: string): DomainError => new DomainError(ErrorCode.NOT_FOUND, `${what} not found`);

export const forbidden = (why = 'not allowed'): DomainError => new DomainError(ErrorCode.FORBIDDEN, why);

/** RATE_LIMITED: too many attempts; the client may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, message);
    this.name = 'RateLimitedError';
  }
}

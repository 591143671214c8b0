// Queries and mutations: POST /graphql on this page's own origin with the session's bearer token,
// exactly as any API client sends them. Errors come back as ApiError with the API's error code.
import type { Operation } from './operation.js';
import { noteServerDate } from './server-time.js';

/** An error the API answered with (extensions.code), or NETWORK when no answer came. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface GraphQLResponse {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

export interface Api {
  request<R, V>(op: Operation<R, V>, variables: V): Promise<R>;
}

/**
 * `onUnauthenticated` runs when the API says the token is no good (a session that expired, a
 * revoked token, a deactivated user): the app signs out.
 */
export function createApi(token: string | null, onUnauthenticated: () => void = () => {}): Api {
  const url = new URL('/graphql', location.origin).href;
  return {
    async request<R, V>(op: Operation<R, V>, variables: V): Promise<R> {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ query: op.text, variables }),
        });
      } catch {
        throw new ApiError('NETWORK', 'The server cannot be reached. Check your connection and try again.');
      }
      noteServerDate(res.headers.get('date'));
      let body: GraphQLResponse;
      try {
        body = await res.json() as GraphQLResponse;
      } catch {
        throw new ApiError('NETWORK', `The server answered ${res.status} without a GraphQL response.`);
      }
      const first = body.errors?.[0];
      if (first) {
        const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
        if (code === 'UNAUTHENTICATED' && token) onUnauthenticated();
        throw new ApiError(code, first.message);
      }
      if (body.data === undefined || body.data === null) throw new ApiError('NETWORK', `The server answered ${res.status} without data.`);
      return body.data as R;
    },
  };
}

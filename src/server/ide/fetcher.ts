// How the IDE reaches the API: queries and mutations as POST on the page's own URL with the headers
// the user typed, subscriptions over graphql-ws on the same URL (ws: or wss:), authenticated by the
// Authorization header the user typed, sent as connection params (the server reads them there).
import type { GraphiQLProps } from 'graphiql';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';

type Fetcher = GraphiQLProps['fetcher'];

/** The Authorization value among the headers the user typed, whatever its case ('' if none). */
function authorizationOf(headers: Record<string, unknown> | undefined): string {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return '';
}

/**
 * Read from the text being sent, not from GraphiQL's parsed copy of the editor (documentAST), which
 * lags behind an edit by a moment: a subscription run right after it was typed would go out as POST.
 * A document that does not parse goes out as POST too, and the server says what is wrong with it.
 */
function isSubscription(query: string, operationName: string | null | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

/** A socket close as an Error, so the response pane says why ("4403 Forbidden") instead of "[object CloseEvent]". */
function closeAsError(err: unknown): unknown {
  if (typeof CloseEvent !== 'undefined' && err instanceof CloseEvent) {
    return new Error(`the WebSocket closed: ${err.code} ${err.reason}`.trim());
  }
  return err;
}

async function* iterate(client: Client, params: Parameters<Fetcher>[0]): AsyncGenerator<FormattedExecutionResult> {
  try {
    yield* client.iterate({ query: params.query, operationName: params.operationName ?? null, variables: params.variables });
  } catch (err) {
    throw closeAsError(err);
  }
}

export function createIdeFetcher(pageUrl: URL): Fetcher {
  const httpUrl = new URL(pageUrl.pathname, pageUrl.origin).href;
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  // One socket per token: a subscription started after the user changed the header goes out as the
  // new user, while those already running keep theirs. graphql-ws closes an idle socket (lazy).
  const sockets = new Map<string, Client>();
  const socketFor = (authorization: string): Client => {
    let client = sockets.get(authorization);
    if (!client) {
      client = createClient({
        url: wsUrl,
        connectionParams: authorization ? { authorization } : {},
        lazy: true,
        // A refusal by the server (4403 no valid token, 4429 too many sockets, 4008 too slow) is
        // shown at once, where graphql-ws would retry 4403 five times over about half a minute. A
        // dropped connection or a restart (1001) is still retried.
        shouldRetry: (closed) => !(closed instanceof CloseEvent && closed.code >= 4000),
      });
      sockets.set(authorization, client);
    }
    return client;
  };

  return async (params, opts) => {
    if (isSubscription(params.query, params.operationName)) {
      return iterate(socketFor(authorizationOf(opts?.headers)), params);
    }
    const res = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...opts?.headers },
      body: JSON.stringify(params),
    });
    return res.json();
  };
}

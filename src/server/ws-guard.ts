// The graphql-ws hooks that apply the WebSocket limits (ws-limits.ts): connections per user,
// operations per connection, and unsent events (a client that stops reading is dropped rather
// than buffered for). They also apply the query limits, format errors the way Apollo's side
// does, and log unexpected ones with their request id. Sockets are pinged every keepAliveMs
// (graphql-ws-adapter.ts); one that has not answered by the next ping is terminated.
import { createSourceEventStream, execute, GraphQLError, parse, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context, FormattedExecutionResult, SubscribePayload } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { GraphQLContext } from '../graphql/context.js';
import { createErrorFormatter, logUnexpectedErrors } from '../graphql/error-format.js';
import { checkedExecutionArgs } from '../graphql/query-checks.js';
import { validateWithLimits } from '../graphql/query-limits.js';
import { EventsInterrupted } from '../events/event-bus.js';
import type { SendTiming } from '../ops/metrics.js';
import { BoundedStream } from './bounded-stream.js';
import { createDocumentCache } from './document-cache.js';
import { WsCloseCode, WsCloseReason, WsErrorCode, type WsLimits } from './ws-limits.js';

type WsContext = Context<Record<string, unknown>, { socket: WebSocket }>;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

const isGraphQLContext = (value: unknown): value is GraphQLContext =>
  typeof value === 'object' && value !== null && 'requestId' in value && 'log' in value;

/**
 * Admission, limits and error handling for graphql-ws. `admit` is called from onConnect once the
 * user is known; `subscribe` and the on* hooks are graphql-ws options, passed to useGraphQLWs as
 * they are.
 */
export function createWsGuard(deps: {
  limits: WsLimits;
  schema: GraphQLSchema;
  production: boolean;
  logger: Logger;
  /**
   * Events whose results are timed to the socket (speed to lead, metrics.ts): `tracks` picks them as
   * they are executed, `sent` is told as graphql-ws hands each one's result to the socket.
   */
  timing?: SendTiming;
}) {
  const { timing } = deps;
  /** The tracked event a result was executed for, until it is sent (a few at any time; nothing for the rest). */
  const eventOfResult = new WeakMap<ExecutionResult, unknown>();
  const remember = (result: ExecutionResult, event: unknown): ExecutionResult => {
    eventOfResult.set(result, event);
    return result;
  };
  const { limits, schema, logger } = deps;
  const releaseResult = (result: ExecutionResult): void => {
    (result as { data?: unknown }).data = null;
  };
  const format = createErrorFormatter(deps.production);
  // A few hundred distinct subscription texts cover any real client; the bound on their total
  // length bounds what a client sending many distinct valid documents can make the cache hold.
  const documents = createDocumentCache({ maxEntries: 500, maxChars: 256 * 1024 });
  /**
   * Each user's open sockets, with the id of the token each signed in with: counted for the per-user
   * limit, closed at once on deactivation, and one token's closed when it is revoked.
   */
  const socketsByUser = new Map<number, Map<WebSocket, number>>();
  /** The user an admitted socket counts against, for the one 'close' listener all sockets share. */
  const userOfSocket = new WeakMap<WebSocket, number>();
  function release(this: WebSocket): void {
    const userId = userOfSocket.get(this);
    const open = userId === undefined ? undefined : socketsByUser.get(userId);
    if (userId === undefined || !open) return;
    open.delete(this);
    if (open.size === 0) socketsByUser.delete(userId);
  }

  function dropSlowConsumer(socket: WebSocket, reason: string): void {
    if (socket.readyState !== socket.OPEN) return;
    logger.warn({ reason, bufferedBytes: socket.bufferedAmount }, 'dropping a slow WebSocket consumer');
    // The close frame queues behind what is already buffered; ws destroys the socket if the close
    // handshake has not finished within its closeTimeout (30 s), so nothing is held longer.
    socket.close(WsCloseCode.SlowConsumer, WsCloseReason[WsCloseCode.SlowConsumer]);
  }

  /** Formats errors as Apollo's side does (codes, no internals in production), logging unexpected ones. */
  function formatErrors(errors: readonly GraphQLError[], context: GraphQLContext | undefined) {
    logUnexpectedErrors(context?.log ?? logger, context?.requestId ?? 'unknown', errors);
    return errors.map((error) => format(error.toJSON(), error));
  }

  /** graphql-js raises request errors (bad variables) without a path or an original error: the caller's input. */
  function withInputCode(error: GraphQLError): GraphQLError {
    if (error.path !== undefined || error.originalError || error.extensions.code !== undefined) return error;
    return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  }

  return {
    /**
     * Counts the socket against its user. Past the limit it closes the socket with 4429 and returns
     * false (onConnect must then return false; graphql-ws's own close becomes a no-op).
     */
    admit(socket: WebSocket, userId: number, tokenId: number): boolean {
      const open = socketsByUser.get(userId) ?? new Map<WebSocket, number>();
      if (open.size >= limits.maxConnectionsPerUser) {
        socket.close(WsCloseCode.TooManyConnections, WsCloseReason[WsCloseCode.TooManyConnections]);
        return false;
      }
      open.set(socket, tokenId);
      socketsByUser.set(userId, open);
      userOfSocket.set(socket, userId);
      socket.on('close', release);
      return true;
    },

    /** Open sockets of a user (for tests). */
    connectionsOf: (userId: number): number => socketsByUser.get(userId)?.size ?? 0,

    /**
     * Closes every open socket of a user now (a deactivated user: their live subscriptions would
     * otherwise go on receiving leads until they reconnect). Returns how many were closed.
     */
    closeUser(userId: number, code: WsCloseCode, reason: string): number {
      const open = socketsByUser.get(userId);
      if (!open) return 0;
      let closed = 0;
      for (const socket of [...open.keys()]) {
        if (socket.readyState !== socket.OPEN) continue;
        socket.close(code, reason);
        closed += 1;
      }
      return closed;
    },

    /**
     * Closes the user's open sockets that signed in with this token (a revoked token: its live
     * subscriptions would otherwise go on). The user's other sockets stay. Returns how many were closed.
     */
    closeToken(userId: number, tokenId: number, code: WsCloseCode, reason: string): number {
      const open = socketsByUser.get(userId);
      if (!open) return 0;
      let closed = 0;
      for (const [socket, signedInWith] of [...open]) {
        if (signedInWith !== tokenId || socket.readyState !== socket.OPEN) continue;
        socket.close(code, reason);
        closed += 1;
      }
      return closed;
    },

    /** Bounds operations per socket, parses and validates with the depth limit, then checks arguments and cost (query-checks.ts). */
    onSubscribe(ctx: WsContext, _id: string, payload: SubscribePayload): ExecutionArgs | readonly GraphQLError[] {
      // graphql-ws has already reserved this operation's id in ctx.subscriptions.
      const running = Object.keys(ctx.subscriptions).length;
      if (running > limits.maxSubscriptionsPerConnection) {
        return [new GraphQLError(
          `too many operations on this connection: at most ${limits.maxSubscriptionsPerConnection} may run at once`,
          { extensions: { code: WsErrorCode.TOO_MANY_SUBSCRIPTIONS, limit: limits.maxSubscriptionsPerConnection } },
        )];
      }
      const cached = documents.get(payload.query);
      if (cached) return checkedExecutionArgs(schema, cached, payload);
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (err) {
        if (!(err instanceof GraphQLError)) throw err;
        return [new GraphQLError(err.message, { source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      }
      const invalid = validateWithLimits(schema, document);
      if (invalid.length > 0) {
        return invalid.map((e) => e.extensions.code !== undefined ? e
          : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
      }
      documents.set(payload.query, document);
      return checkedExecutionArgs(schema, document, payload);
    },

    /**
     * graphql-ws's `subscribe`: graphql-js's subscribe() without its mapAsyncIterator, whose
     * closures and suspended async call every live subscription held. The source event stream is
     * read through a BoundedStream that executes each event as graphql-js would (`execute` with
     * the event as root value); onOperation starts it once the socket is known.
     */
    async subscribe(args: ExecutionArgs): Promise<ExecutionResult | BoundedStream<ExecutionResult, unknown>> {
      const source = await createSourceEventStream(args);
      if (!isAsyncIterable(source)) return source;
      const context = isGraphQLContext(args.contextValue) ? args.contextValue : undefined;
      const run = (event: unknown) => execute({ ...args, rootValue: event });
      const timed = (event: unknown) => {
        const result = run(event);
        if (!timing?.tracks(event)) return result;
        return 'then' in result ? result.then((r) => remember(r, event)) : remember(result, event);
      };
      // Sent, a result's data is let go: graphql-ws's loop holds the last result of every subscription
      // until the next event, seconds later for most agents, so every result outlived the young
      // generation and died in the old one (a heap snapshot in the speed benchmark found each agent's
      // last offer there).
      return new BoundedStream(source, timing ? timed : run, limits.maxQueuedEvents, context).releasing(releaseResult);
    },

    /** A subscription's stream starts here; a client that falls more than maxQueuedEvents behind is dropped (4008). */
    onOperation(ctx: WsContext, _id: string, _payload: SubscribePayload, _args: ExecutionArgs, result: unknown): undefined {
      if (!(result instanceof BoundedStream)) return undefined;
      const socket = ctx.extra.socket;
      result.start(() => dropSlowConsumer(socket, 'event backlog'), (error) => {
        if (!(error instanceof EventsInterrupted)) return false;
        // Events may be missing: a socket that stays open would look live and be wrong.
        if (socket.readyState === socket.OPEN) socket.close(WsCloseCode.EventsInterrupted, WsCloseReason[WsCloseCode.EventsInterrupted]);
        return true;
      });
      return undefined;
    },

    /** Before each result is sent: drop a socket whose unsent bytes passed the bound; format errors. */
    onNext(ctx: WsContext, _id: string, _payload: SubscribePayload, args: ExecutionArgs, result: ExecutionResult): FormattedExecutionResult | undefined {
      if (timing) {
        const event = eventOfResult.get(result);
        if (event !== undefined) {
          eventOfResult.delete(result);
          timing.sent(event);
        }
      }
      if (ctx.extra.socket.bufferedAmount > limits.maxBufferedBytes) dropSlowConsumer(ctx.extra.socket, 'socket buffer');
      if (!result.errors?.length) return undefined;
      const context = isGraphQLContext(args.contextValue) ? args.contextValue : undefined;
      return { ...result, errors: formatErrors(result.errors.map(withInputCode), context) };
    },

    /**
     * Refusals before execution, and a stream that failed: formatted like any other error. Only a
     * failed stream has a context, and graphql-ws holds the stream in ctx.subscriptions until this returns.
     */
    onError(ctx: WsContext, id: string, _payload: SubscribePayload, errors: readonly GraphQLError[]) {
      const running = ctx.subscriptions[id];
      return formatErrors(errors, running instanceof BoundedStream ? running.context : undefined);
    },
  };
}

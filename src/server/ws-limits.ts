// What one WebSocket client may hold on the server: connections per user, operations per
// connection, and unsent events (a client that stops reading is dropped rather than buffered
// for). Also the graphql-ws hooks that apply the query limits, format errors the way Apollo's
// side does, and log unexpected ones with their request id. Idle sockets are pinged every
// keepAliveMs by graphql-ws; one that has not answered by the next ping is terminated.
import type { IncomingMessage } from 'node:http';
import { GraphQLError, parse, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context, FormattedExecutionResult, SubscribePayload } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { GraphQLContext } from '../graphql/context.js';
import { createErrorFormatter, logUnexpectedErrors } from '../graphql/error-format.js';
import { validateWithLimits } from '../graphql/query-limits.js';
import type { Config } from './config.js';

/** Every close code the server uses on /graphql, in one place. */
export enum WsCloseCode {
  /** The server is shutting down. */
  GoingAway = 1001,
  /** graphql-ws Forbidden: connection_init without a valid token (or a deactivated user). */
  Forbidden = 4403,
  /** The user already has maxConnectionsPerUser sockets open; this newest one is refused. */
  TooManyConnections = 4429,
  /** Slow consumer: the client stopped reading and its backlog passed the bound. */
  SlowConsumer = 4008,
}

/** Close reasons clients can show (at most 123 bytes, as WebSocket allows). */
export const WsCloseReason = {
  [WsCloseCode.Forbidden]: 'the user was deactivated',
  [WsCloseCode.TooManyConnections]: 'too many connections for this user',
  [WsCloseCode.SlowConsumer]: 'slow consumer: the client stopped reading',
} as const;

/** Error codes of operations refused on a WebSocket (the socket stays open). */
export enum WsErrorCode {
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
}

export interface WsLimits {
  /** Open sockets per user (WS_MAX_CONNECTIONS_PER_USER, default 20); one more is closed with 4429. */
  maxConnectionsPerUser: number;
  /**
   * Operations running at once on one socket (WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, default 50);
   * one more gets an error TOO_MANY_SUBSCRIPTIONS and the socket stays open.
   */
  maxSubscriptionsPerConnection: number;
  /**
   * Events one subscription may have produced and not yet handed to the socket. graphql-ws sends a
   * subscription's events one at a time, waiting for each to be written, so a client that stops
   * reading makes them pile up here: one more than this and the client is closed with 4008.
   * Default 256.
   */
  maxQueuedEvents: number;
  /** Bytes a socket may hold unsent before the client counts as a slow consumer (4008). Default 4 MiB. */
  maxBufferedBytes: number;
  /** Ping interval in ms (graphql-ws keepAlive); an unanswered ping closes the socket at the next. Default 30 s. */
  keepAliveMs: number;
}

export function wsLimitsFrom(config: Pick<Config, 'wsMaxConnectionsPerUser' | 'wsMaxSubscriptionsPerConnection'>,
  overrides: Partial<WsLimits> = {}): WsLimits {
  return {
    maxConnectionsPerUser: config.wsMaxConnectionsPerUser,
    maxSubscriptionsPerConnection: config.wsMaxSubscriptionsPerConnection,
    maxQueuedEvents: 256,
    maxBufferedBytes: 4 * 1024 * 1024,
    keepAliveMs: 30_000,
    ...overrides,
  };
}

/**
 * Pulls `source` eagerly into a queue of at most `maxQueued` items that the consumer drains at its
 * own pace. When the consumer falls further behind, `onOverflow` runs once, the queue is dropped
 * and the source is stopped: a stalled consumer costs at most `maxQueued` items, and the
 * publisher never waits for it. `return()` ends the stream at once, even while the source is
 * waiting for its next item.
 */
export function boundedStream<T>(source: AsyncIterable<T>, maxQueued: number, onOverflow: () => void): AsyncGenerator<T, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: T[] = [];
  type Waiter = { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void };
  let waiter: Waiter | null = null;
  let ended = false;
  /** The consumer waiting for an item, if any, no longer waiting once taken. */
  const takeWaiter = (): Waiter | null => {
    const w = waiter;
    waiter = null;
    return w;
  };
  let failure: { error: unknown } | null = null;

  const stopSource = (): void => {
    // Not awaited: an async generator's return() waits until its next item, which may never come.
    void Promise.resolve().then(() => iterator.return?.()).catch(() => {});
  };

  const finish = (): void => {
    ended = true;
    const w = takeWaiter();
    if (!w) return;
    if (failure) w.reject(failure.error);
    else w.resolve({ value: undefined, done: true });
  };

  void (async () => {
    try {
      for (;;) {
        const r = await iterator.next();
        if (ended) return;
        if (r.done) break;
        const w = takeWaiter();
        if (w) {
          w.resolve({ value: r.value, done: false });
          continue;
        }
        queue.push(r.value);
        if (queue.length > maxQueued) {
          queue.length = 0;
          stopSource();
          onOverflow();
          break;
        }
      }
    } catch (error) {
      if (ended) return;
      failure = { error };
    }
    finish();
  })();

  const stream: AsyncGenerator<T, undefined> = {
    next(): Promise<IteratorResult<T, undefined>> {
      const item = queue.shift();
      if (item !== undefined) return Promise.resolve({ value: item, done: false });
      if (ended) {
        if (failure) {
          const { error } = failure;
          failure = null;
          return Promise.reject(error);
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => { waiter = { resolve, reject }; });
    },
    return(): Promise<IteratorResult<T, undefined>> {
      if (!ended) stopSource();
      queue.length = 0;
      failure = null;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error: unknown): Promise<IteratorResult<T, undefined>> {
      void stream.return(undefined);
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

type WsContext = Context<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>;

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

const isGraphQLContext = (value: unknown): value is GraphQLContext =>
  typeof value === 'object' && value !== null && 'requestId' in value && 'log' in value;

/**
 * Admission, limits and error handling for graphql-ws. `admit` is called from onConnect once the
 * user is known; the rest are graphql-ws hooks, passed to useServer as they are.
 */
export function createWsGuard(deps: { limits: WsLimits; schema: GraphQLSchema; production: boolean; logger: Logger }) {
  const { limits, schema, logger } = deps;
  const format = createErrorFormatter(deps.production);
  /** Each user's open sockets: counted for the per-user limit, and closed at once on deactivation. */
  const socketsByUser = new Map<number, Set<WebSocket>>();
  /** The GraphQL context of each running operation, for errors that arrive without one. */
  const operations = new WeakMap<object, Map<string, GraphQLContext>>();

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
    admit(socket: WebSocket, userId: number): boolean {
      const open = socketsByUser.get(userId) ?? new Set<WebSocket>();
      if (open.size >= limits.maxConnectionsPerUser) {
        socket.close(WsCloseCode.TooManyConnections, WsCloseReason[WsCloseCode.TooManyConnections]);
        return false;
      }
      open.add(socket);
      socketsByUser.set(userId, open);
      socket.once('close', () => {
        open.delete(socket);
        if (open.size === 0 && socketsByUser.get(userId) === open) socketsByUser.delete(userId);
      });
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
      for (const socket of [...open]) {
        if (socket.readyState !== socket.OPEN) continue;
        socket.close(code, reason);
        closed += 1;
      }
      return closed;
    },

    /** Bounds operations per socket, then parses and validates with the query limits. */
    onSubscribe(ctx: WsContext, _id: string, payload: SubscribePayload): ExecutionArgs | readonly GraphQLError[] {
      // graphql-ws has already reserved this operation's id in ctx.subscriptions.
      const running = Object.keys(ctx.subscriptions).length;
      if (running > limits.maxSubscriptionsPerConnection) {
        return [new GraphQLError(
          `too many operations on this connection: at most ${limits.maxSubscriptionsPerConnection} may run at once`,
          { extensions: { code: WsErrorCode.TOO_MANY_SUBSCRIPTIONS, limit: limits.maxSubscriptionsPerConnection } },
        )];
      }
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
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
    },

    /** Streams are drained through a bounded queue; a client that falls behind is dropped (4008). */
    onOperation(ctx: WsContext, id: string, _payload: SubscribePayload, args: ExecutionArgs, result: unknown) {
      if (isGraphQLContext(args.contextValue)) {
        let running = operations.get(ctx);
        if (!running) operations.set(ctx, running = new Map());
        running.set(id, args.contextValue);
      }
      if (!isAsyncIterable(result)) return undefined;
      const socket = ctx.extra.socket;
      return boundedStream(result, limits.maxQueuedEvents, () => dropSlowConsumer(socket, 'event backlog'));
    },

    /** Before each result is sent: drop a socket whose unsent bytes passed the bound; format errors. */
    onNext(ctx: WsContext, _id: string, _payload: SubscribePayload, args: ExecutionArgs, result: ExecutionResult): FormattedExecutionResult | undefined {
      if (ctx.extra.socket.bufferedAmount > limits.maxBufferedBytes) dropSlowConsumer(ctx.extra.socket, 'socket buffer');
      if (!result.errors?.length) return undefined;
      const context = isGraphQLContext(args.contextValue) ? args.contextValue : undefined;
      return { ...result, errors: formatErrors(result.errors.map(withInputCode), context) };
    },

    /** Refusals before execution, and a stream that failed: formatted like any other error. */
    onError(ctx: WsContext, id: string, _payload: SubscribePayload, errors: readonly GraphQLError[]) {
      return formatErrors(errors, operations.get(ctx)?.get(id));
    },

    onComplete(ctx: WsContext, id: string): void {
      operations.get(ctx)?.delete(id);
    },
  };
}


// What one WebSocket client may hold on the server: connections per user, operations per
// connection, and unsent events (a client that stops reading is dropped rather than buffered
// for). Also the graphql-ws hooks that apply the query limits, format errors the way Apollo's
// side does, and log unexpected ones with their request id. Sockets are pinged every keepAliveMs
// (graphql-ws-adapter.ts); one that has not answered by the next ping is terminated.
import { createSourceEventStream, execute, GraphQLError, parse, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
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
  /** A message over MAX_BODY_BYTES (ws's maxPayload; sent by ws before graphql-ws sees it). */
  MessageTooBig = 1009,
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
  /** Ping interval in ms; a socket that has not answered a ping by the next is terminated. Default 30 s. */
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
 * Once started, pulls `source` eagerly, turns each item into a `T` with `map` (one at a time, in
 * order), and keeps at most `maxQueued` of them for the consumer to drain at its own pace. When the
 * consumer falls further behind, `onOverflow` runs once, the queue is dropped and the source is
 * stopped: a stalled consumer costs at most `maxQueued` items, and the publisher never waits for
 * it. `return()` ends the stream at once, even while the source is waiting for its next item. If
 * `map` throws or rejects, the source is stopped and the stream fails with that error once the
 * items before it are read (as graphql-js's own mapping of a subscription does).
 *
 * Every live subscription holds one for as long as it runs, so it is a class (its methods on the
 * prototype) that waits for the source with a promise callback, not an async loop: a suspended
 * async function and per-stream named closures (tsx keeps function names, which makes each a
 * dictionary-mode object) cost over 1 KB per subscription.
 */
export class BoundedStream<T, S = T> implements AsyncGenerator<T, undefined> {
  private readonly iterator: AsyncIterator<S>;
  private queue: T[] | null = null;
  /** The consumer waiting for an item, if any. */
  private waiter: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | null = null;
  private onOverflow: (() => void) | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;

  /** `context` is the GraphQL context of the operation the stream carries, if any (for error logs). */
  constructor(source: AsyncIterable<S>, private readonly map: (item: S) => T | PromiseLike<T>,
    private readonly maxQueued: number, readonly context?: GraphQLContext) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Starts pulling from the source (once; later calls do nothing). */
  start(onOverflow: () => void): this {
    if (this.onOverflow || this.ended) return this;
    this.onOverflow = onOverflow;
    this.pull();
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const queued = this.queue?.length ? this.queue.shift() as T : undefined;
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    if (this.ended) {
      if (this.failure) {
        const { error } = this.failure;
        this.failure = null;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    if (!this.ended) this.stopSource();
    this.queue = null;
    this.failure = null;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T, undefined>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Asks the source for its next item; the answer arrives in received() or failed(). */
  private pull(): void {
    try {
      this.iterator.next().then((r) => this.received(r), (error: unknown) => this.failed(error));
    } catch (error) {
      this.failed(error);
    }
  }

  private received(r: IteratorResult<S>): void {
    if (this.ended) return;
    if (r.done) {
      this.finish();
      return;
    }
    let mapped: T | PromiseLike<T>;
    try {
      mapped = this.map(r.value);
    } catch (error) {
      this.mapFailed(error);
      return;
    }
    if (isPromiseLike(mapped)) mapped.then((value) => this.deliver(value), (error: unknown) => this.mapFailed(error));
    else this.deliver(mapped);
  }

  private deliver(value: T): void {
    if (this.ended) return;
    const waiter = this.takeWaiter();
    if (waiter) waiter.resolve({ value, done: false });
    else {
      const queue = this.queue ??= [];
      queue.push(value);
      if (queue.length > this.maxQueued) {
        queue.length = 0;
        this.stopSource();
        this.onOverflow?.();
        this.finish();
        return;
      }
    }
    this.pull();
  }

  private mapFailed(error: unknown): void {
    if (this.ended) return;
    this.stopSource();
    this.failed(error);
  }

  private failed(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.finish();
  }

  private takeWaiter() {
    const w = this.waiter;
    this.waiter = null;
    return w;
  }

  private stopSource(): void {
    // Not awaited: an async generator's return() waits until its next item, which may never come.
    const iterator = this.iterator;
    void Promise.resolve().then(() => iterator.return?.()).catch(() => {});
  }

  private finish(): void {
    this.ended = true;
    const w = this.takeWaiter();
    if (!w) return;
    if (this.failure) w.reject(this.failure.error);
    else w.resolve({ value: undefined, done: true });
  }
}

/**
 * Validated documents by their text, shared by every operation that sends the same text: a live
 * subscription keeps its document for as long as it runs, and 10,000 agents holding the same
 * `offers` subscription held 10,000 parsed copies of it (about 6 KB each, most of it the token
 * and location objects graphql-js keeps for error positions). Documents are immutable once
 * parsed (graphql-js and Apollo share them the same way). Least recently used first out; only
 * documents that passed validation are kept, so a refused one is parsed again each time.
 */
export function createDocumentCache(limits: { maxEntries: number; maxChars: number }) {
  const documents = new Map<string, DocumentNode>();
  let chars = 0;
  return {
    get(query: string): DocumentNode | undefined {
      const document = documents.get(query);
      if (document) {
        // Map keeps insertion order: moved to the end, it is the last to be evicted.
        documents.delete(query);
        documents.set(query, document);
      }
      return document;
    },
    set(query: string, document: DocumentNode): void {
      if (query.length > limits.maxChars || documents.has(query)) return;
      documents.set(query, document);
      chars += query.length;
      for (const [oldest] of documents) {
        if (documents.size <= limits.maxEntries && chars <= limits.maxChars) break;
        documents.delete(oldest);
        chars -= oldest.length;
      }
    },
    /** Cached documents (for tests). */
    get size(): number {
      return documents.size;
    },
  };
}

const isPromiseLike = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

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
export function createWsGuard(deps: { limits: WsLimits; schema: GraphQLSchema; production: boolean; logger: Logger }) {
  const { limits, schema, logger } = deps;
  const format = createErrorFormatter(deps.production);
  // A few hundred distinct subscription texts cover any real client; the bound on their total
  // length bounds what a client sending many distinct valid documents can make the cache hold.
  const documents = createDocumentCache({ maxEntries: 500, maxChars: 256 * 1024 });
  /** Each user's open sockets: counted for the per-user limit, and closed at once on deactivation. */
  const socketsByUser = new Map<number, Set<WebSocket>>();
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
    admit(socket: WebSocket, userId: number): boolean {
      const open = socketsByUser.get(userId) ?? new Set<WebSocket>();
      if (open.size >= limits.maxConnectionsPerUser) {
        socket.close(WsCloseCode.TooManyConnections, WsCloseReason[WsCloseCode.TooManyConnections]);
        return false;
      }
      open.add(socket);
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
      const cached = documents.get(payload.query);
      if (cached) return { schema, document: cached, operationName: payload.operationName, variableValues: payload.variables };
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
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
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
      return new BoundedStream(source, (event: unknown) => execute({ ...args, rootValue: event }), limits.maxQueuedEvents, context);
    },

    /** A subscription's stream starts here; a client that falls more than maxQueuedEvents behind is dropped (4008). */
    onOperation(ctx: WsContext, _id: string, _payload: SubscribePayload, _args: ExecutionArgs, result: unknown): undefined {
      if (!(result instanceof BoundedStream)) return undefined;
      const socket = ctx.extra.socket;
      result.start(() => dropSlowConsumer(socket, 'event backlog'));
      return undefined;
    },

    /** Before each result is sent: drop a socket whose unsent bytes passed the bound; format errors. */
    onNext(ctx: WsContext, _id: string, _payload: SubscribePayload, args: ExecutionArgs, result: ExecutionResult): FormattedExecutionResult | undefined {
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


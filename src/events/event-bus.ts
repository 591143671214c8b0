// The event bus port: services publish after their transaction commits; subscriptions read from
// narrow channels (one per agent, one per lead). The default implementation is in-process; the
// Redis-backed one (redis-event-bus.ts) delivers through this one's channel registry and serves
// several server instances.

export interface EventBus {
  publish(channel: string, payload: unknown): void;
  subscribe<T>(channel: string): AsyncIterable<T>;
  /** Stops whatever the bus holds open (connections, timers). The in-process bus holds nothing. */
  close?(): Promise<void>;
}

/**
 * A subscription ended because the bus may have missed events on its channel (Redis lost, a gap in
 * a channel's sequence). Not the client's fault and not final: the WebSocket layer closes the socket
 * with a code graphql-ws clients retry on, and a reconnected client resyncs (myOffers, the lead).
 */
export class EventsInterrupted extends Error {
  constructor(readonly channel: string, reason: string) {
    super(`events on ${channel} were interrupted (${reason}); reconnect and resync`);
  }
}

/** Channel names are built here and only here. */
export const channels = {
  /** Offer events for one agent. */
  offers: (userId: number) => `offers:${userId}`,
  /** Events of one lead. */
  lead: (leadId: number) => `lead-events:lead:${leadId}`,
  /** Events of the leads one agent owns or works. */
  userLeads: (userId: number) => `lead-events:user:${userId}`,
  /** Every lead's events: the admins' feed. */
  allLeads: () => 'lead-events:all',
  /** Where sources' round-robin rotations stand, between instances (rotation-hints.ts). */
  rotations: () => 'rotations',
};

/** A channel's subscribers: most channels have exactly one (an agent's own), held without a Set. */
type Subscribers = ChannelSubscription<unknown> | Set<ChannelSubscription<unknown>>;

/**
 * One subscriber's stream of a channel. Every connected agent holds one for as long as its
 * subscription runs, so it is one small object with its methods on the prototype (it replaced a
 * PubSub whose Repeater and EventTarget listener cost about ten objects and closures each).
 *
 * It starts listening at its first next(), as the Repeater did, so a stream that is never read
 * never holds a place on its channel. Events wait in an unbounded queue until read: the WebSocket
 * side reads eagerly and bounds what it holds itself (bounded-stream.ts). return() ends
 * it at once, waking a pending next().
 */
class ChannelSubscription<T> implements AsyncIterableIterator<T> {
  private state: 'idle' | 'listening' | 'ended' = 'idle';
  private queue: T[] | null = null;
  /** Consumers waiting for the next event (one at a time under for-await and graphql-js). */
  private waiting: ((result: IteratorResult<T, undefined>) => void)[] | null = null;

  /** Set by fail(): what the next read rejects with, after the events queued before it. */
  private failure: Error | null = null;
  /** Consumers waiting when fail() came (kept only then). */
  private failWaiting: ((error: Error) => void)[] | null = null;

  constructor(private readonly registry: ChannelRegistry, private readonly channel: string) {}

  /** Called by publish for every event on the channel while listening. */
  push(value: T): void {
    const resolve = this.waiting?.shift();
    this.failWaiting?.shift();
    if (resolve) resolve({ value, done: false });
    else (this.queue ??= []).push(value);
  }

  /** Ends the subscription with `error`: events already queued are read first, then reads reject. */
  fail(error: Error): void {
    if (this.state === 'ended') return;
    this.registry.remove(this.channel, this as ChannelSubscription<unknown>);
    this.state = 'ended';
    this.failure = error;
    const rejecters = this.failWaiting;
    this.waiting = null;
    this.failWaiting = null;
    for (const reject of rejecters ?? []) reject(error);
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.state === 'idle') {
      this.state = 'listening';
      this.registry.add(this.channel, this as ChannelSubscription<unknown>);
    }
    if (this.queue?.length) return Promise.resolve({ value: this.queue.shift() as T, done: false });
    if (this.failure) {
      const error = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.state === 'ended') return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      (this.waiting ??= []).push(resolve);
      (this.failWaiting ??= []).push(reject);
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    if (this.state === 'listening') this.registry.remove(this.channel, this as ChannelSubscription<unknown>);
    this.state = 'ended';
    this.queue = null;
    this.failure = null;
    const waiting = this.waiting;
    this.waiting = null;
    this.failWaiting = null;
    for (const resolve of waiting ?? []) resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T, undefined>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Told when a channel gets its first local subscriber and when it loses its last (Redis SUBSCRIBE). */
export interface ChannelHooks {
  opened(channel: string): void;
  closed(channel: string): void;
}

/** The channels with local subscribers, and delivery to them. */
export class ChannelRegistry {
  private readonly subscribers = new Map<string, Subscribers>();

  constructor(private readonly hooks: ChannelHooks | null = null) {}

  add(channel: string, subscription: ChannelSubscription<unknown>): void {
    const current = this.subscribers.get(channel);
    if (current === undefined) {
      this.subscribers.set(channel, subscription);
      this.hooks?.opened(channel);
    } else if (current instanceof Set) current.add(subscription);
    else this.subscribers.set(channel, new Set([current, subscription]));
  }

  remove(channel: string, subscription: ChannelSubscription<unknown>): void {
    const current = this.subscribers.get(channel);
    if (current === subscription) this.subscribers.delete(channel);
    else if (current instanceof Set) {
      current.delete(subscription);
      if (current.size === 0) this.subscribers.delete(channel);
    }
    if (current !== undefined && !this.subscribers.has(channel)) this.hooks?.closed(channel);
  }

  /** Hands `payload` to the channel's local subscribers. */
  deliver(channel: string, payload: unknown): void {
    const current = this.subscribers.get(channel);
    if (current === undefined) return;
    // push() only queues or resolves a promise: nothing subscribes or unsubscribes during this loop.
    if (current instanceof Set) for (const subscription of current) subscription.push(payload);
    else current.push(payload);
  }

  /** Ends every local subscription of `channel` with `error`. */
  fail(channel: string, error: Error): void {
    const current = this.subscribers.get(channel);
    if (current === undefined) return;
    for (const subscription of current instanceof Set ? [...current] : [current]) subscription.fail(error);
  }

  has(channel: string): boolean {
    return this.subscribers.has(channel);
  }

  /** The channels that have local subscribers now. */
  channels(): string[] {
    return [...this.subscribers.keys()];
  }

  subscribe<T>(channel: string): AsyncIterable<T> {
    return new ChannelSubscription<T>(this, channel);
  }
}

/** A stream whose end can be asked for (graphql-js calls return() when a subscription stops). */
export interface EndableStream<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T, undefined>>;
}

/**
 * The events of `source` that `keep` accepts. Not an async generator: a generator's return() waits
 * behind its pending read, so a closed socket's subscription stayed on its channel until the
 * channel's next event. Here return() reaches the source at once.
 */
export function filterStream<T>(source: AsyncIterable<T>, keep: (item: T) => boolean): EndableStream<T> {
  const it = source[Symbol.asyncIterator]();
  const done: IteratorResult<T, undefined> = { value: undefined, done: true };
  return {
    async next(): Promise<IteratorResult<T, undefined>> {
      for (;;) {
        const r = await it.next();
        if (r.done) return done;
        if (keep(r.value)) return r;
      }
    },
    async return(): Promise<IteratorResult<T, undefined>> {
      await it.return?.();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function createInProcessEventBus(): EventBus {
  const registry = new ChannelRegistry();
  return {
    publish: (channel, payload) => registry.deliver(channel, payload),
    subscribe: <T>(channel: string): AsyncIterable<T> => registry.subscribe<T>(channel),
  };
}

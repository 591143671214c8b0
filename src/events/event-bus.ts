// The event bus port: services publish after their transaction commits; subscriptions read from
// narrow channels (one per agent, one per lead). The default implementation is in-process; a
// Redis-backed one can take its place to serve several server instances.

export interface EventBus {
  publish(channel: string, payload: unknown): void;
  subscribe<T>(channel: string): AsyncIterable<T>;
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

  constructor(private readonly subscribers: Map<string, Subscribers>, private readonly channel: string) {}

  /** Called by publish for every event on the channel while listening. */
  push(value: T): void {
    const resolve = this.waiting?.shift();
    if (resolve) resolve({ value, done: false });
    else (this.queue ??= []).push(value);
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.state === 'idle') {
      this.state = 'listening';
      addSubscriber(this.subscribers, this.channel, this as ChannelSubscription<unknown>);
    }
    if (this.queue?.length) return Promise.resolve({ value: this.queue.shift() as T, done: false });
    if (this.state === 'ended') return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { (this.waiting ??= []).push(resolve); });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    if (this.state === 'listening') removeSubscriber(this.subscribers, this.channel, this as ChannelSubscription<unknown>);
    this.state = 'ended';
    this.queue = null;
    const waiting = this.waiting;
    this.waiting = null;
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

function addSubscriber(subscribers: Map<string, Subscribers>, channel: string, subscription: ChannelSubscription<unknown>): void {
  const current = subscribers.get(channel);
  if (current === undefined) subscribers.set(channel, subscription);
  else if (current instanceof Set) current.add(subscription);
  else subscribers.set(channel, new Set([current, subscription]));
}

function removeSubscriber(subscribers: Map<string, Subscribers>, channel: string, subscription: ChannelSubscription<unknown>): void {
  const current = subscribers.get(channel);
  if (current === subscription) subscribers.delete(channel);
  else if (current instanceof Set) {
    current.delete(subscription);
    if (current.size === 0) subscribers.delete(channel);
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
  const subscribers = new Map<string, Subscribers>();
  return {
    publish(channel, payload) {
      const current = subscribers.get(channel);
      if (current === undefined) return;
      // push() only queues or resolves a promise: nothing subscribes or unsubscribes during this loop.
      if (current instanceof Set) for (const subscription of current) subscription.push(payload);
      else current.push(payload);
    },
    subscribe: <T>(channel: string): AsyncIterable<T> => new ChannelSubscription<T>(subscribers, channel),
  };
}

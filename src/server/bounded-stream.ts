// The stream every live subscription is read through: it pulls its source eagerly and holds at
// most a bounded number of items for a consumer that has stopped reading (ws-guard.ts drops
// such a client with 4008 rather than buffering for it).
import type { GraphQLContext } from '../graphql/context.js';

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
/** BoundedStream.lent when no item is lent (an item itself may be any value). */
const NOTHING_LENT: unique symbol = Symbol('nothing lent');

export class BoundedStream<T, S = T> implements AsyncGenerator<T, undefined> {
  private readonly iterator: AsyncIterator<S>;
  private queue: T[] | null = null;
  /** The consumer waiting for an item, if any. */
  private waiter: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | null = null;
  private onOverflow: (() => void) | null = null;
  /** Told of a failure of the source itself (not of `map`); true: handled, the stream just ends. */
  private onSourceFailure: ((error: unknown) => boolean) | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;

  /** The item the consumer was last given, until it asks for the next one (kept only with `release`). */
  private lent: T | typeof NOTHING_LENT = NOTHING_LENT;
  /**
   * Told of each item once the consumer has asked for the one after it (or ended the stream), so that
   * whatever the item holds can be let go although the consumer may still reference it (see ws-guard.ts).
   */
  private release: ((item: T) => void) | null = null;

  /** `context` is the GraphQL context of the operation the stream carries, if any (for error logs). */
  constructor(source: AsyncIterable<S>, private readonly map: (item: S) => T | PromiseLike<T>,
    private readonly maxQueued: number, readonly context?: GraphQLContext) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /**
   * Calls `release` with each item once the consumer has come back for the next one: a consumer that
   * reads in a loop is done with an item by then (graphql-ws has serialized and sent it), yet its loop
   * variable keeps it until the next item arrives.
   */
  releasing(release: (item: T) => void): this {
    this.release = release;
    return this;
  }

  /**
   * Starts pulling from the source (once; later calls do nothing). `onSourceFailure` may take over a
   * failure of the source (the event bus's EventsInterrupted: the socket is closed instead).
   */
  start(onOverflow: () => void, onSourceFailure?: (error: unknown) => boolean): this {
    if (this.onOverflow || this.ended) return this;
    this.onOverflow = onOverflow;
    this.onSourceFailure = onSourceFailure ?? null;
    this.pull();
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    this.giveBack();
    const queued = this.queue?.length ? this.queue.shift() as T : undefined;
    if (queued !== undefined) return Promise.resolve({ value: this.lend(queued), done: false });
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
    this.giveBack();
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
      this.iterator.next().then((r) => this.received(r), (error: unknown) => this.sourceFailed(error));
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
    if (waiter) waiter.resolve({ value: this.lend(value), done: false });
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

  private sourceFailed(error: unknown): void {
    if (this.ended) return;
    if (this.onSourceFailure?.(error)) this.finish();
    else this.failed(error);
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

  private lend(item: T): T {
    if (this.release) this.lent = item;
    return item;
  }

  private giveBack(): void {
    const lent = this.lent;
    if (lent === NOTHING_LENT) return;
    this.lent = NOTHING_LENT;
    this.release?.(lent);
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

const isPromiseLike = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

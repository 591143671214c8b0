// The in-process event bus: narrow channels, a stream per subscriber that starts listening when it
// is first read, events kept in order while the reader is busy, and return() that ends a stream at once.
import { describe, expect, it } from 'vitest';
import { ChannelRegistry, createInProcessEventBus, EventsInterrupted, filterStream } from '../../src/events/event-bus.js';

const next = <T>(stream: AsyncIterable<T>) => stream[Symbol.asyncIterator]().next();

describe('in-process event bus', () => {
  it('an event reaches every reader of its channel and no other channel', async () => {
    const bus = createInProcessEventBus();
    const a1 = bus.subscribe<string>('offers:1')[Symbol.asyncIterator]();
    const a2 = bus.subscribe<string>('offers:1')[Symbol.asyncIterator]();
    const b = bus.subscribe<string>('offers:2')[Symbol.asyncIterator]();
    const [p1, p2, pb] = [a1.next(), a2.next(), b.next()];
    bus.publish('offers:1', 'for agent 1');
    expect(await p1).toEqual({ value: 'for agent 1', done: false });
    expect(await p2).toEqual({ value: 'for agent 1', done: false });
    let bHeard = false;
    void pb.then(() => { bHeard = true; });
    await new Promise((r) => setImmediate(r));
    expect(bHeard).toBe(false);
    bus.publish('offers:2', 'for agent 2');
    expect(await pb).toEqual({ value: 'for agent 2', done: false });
  });

  it('events published while the reader is busy wait for it, in order', async () => {
    const bus = createInProcessEventBus();
    const s = bus.subscribe<number>('lead-events:all')[Symbol.asyncIterator]();
    const first = s.next();
    bus.publish('lead-events:all', 1);
    bus.publish('lead-events:all', 2);
    bus.publish('lead-events:all', 3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await s.next()).toEqual({ value: 2, done: false });
    expect(await s.next()).toEqual({ value: 3, done: false });
  });

  it('a stream starts listening at its first read: events before it are not kept for it', async () => {
    const bus = createInProcessEventBus();
    const s = bus.subscribe<string>('offers:7');
    bus.publish('offers:7', 'before anyone read');
    const read = next(s);
    bus.publish('offers:7', 'after the first read');
    expect(await read).toEqual({ value: 'after the first read', done: false });
  });

  it('return() wakes a waiting read with done, and the stream hears nothing after; other readers go on', async () => {
    const bus = createInProcessEventBus();
    const leaving = bus.subscribe<string>('offers:3')[Symbol.asyncIterator]();
    const staying = bus.subscribe<string>('offers:3')[Symbol.asyncIterator]();
    const waiting = leaving.next();
    const stayingRead = staying.next();
    await leaving.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
    bus.publish('offers:3', 'later');
    expect(await leaving.next()).toEqual({ value: undefined, done: true });
    expect(await stayingRead).toEqual({ value: 'later', done: false });
    await staying.return?.();
    // The channel is empty again: a new reader hears the next event.
    const again = bus.subscribe<string>('offers:3')[Symbol.asyncIterator]();
    const read = again.next();
    bus.publish('offers:3', 'to the new reader');
    expect(await read).toEqual({ value: 'to the new reader', done: false });
  });

  it('a for-await loop over a stream stops at break, and later events go nowhere', async () => {
    const bus = createInProcessEventBus();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const n of bus.subscribe<number>('offers:9')) {
        seen.push(n);
        if (n === 2) break;
      }
    })();
    await new Promise((r) => setImmediate(r));
    bus.publish('offers:9', 1);
    bus.publish('offers:9', 2);
    await loop;
    bus.publish('offers:9', 3);
    expect(seen).toEqual([1, 2]);
  });
});

describe('filterStream', () => {
  it('passes on the events it keeps, in order, and ends with its source', async () => {
    const bus = createInProcessEventBus();
    const evens = filterStream(bus.subscribe<number>('lead-events:lead:1'), (n) => n % 2 === 0);
    const first = evens.next();
    for (const n of [1, 2, 3, 4]) bus.publish('lead-events:lead:1', n);
    expect(await first).toEqual({ value: 2, done: false });
    expect(await evens.next()).toEqual({ value: 4, done: false });
    const waiting = evens.next();
    await evens.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('return() reaches the source at once, while a read is still waiting for an event', async () => {
    // The source never yields: an async generator's return() would wait behind the pending read
    // forever, and a closed socket's subscription would stay on its channel.
    let sourceReturned = false;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: () => {
          sourceReturned = true;
          return Promise.resolve({ value: undefined, done: true as const });
        },
      }),
    };
    const stream = filterStream(source, () => true);
    void stream.next();
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(sourceReturned).toBe(true);
  });

  it('a channel registry failing a channel hands over the queued events, then rejects reads, and leaves other channels alone', async () => {
    const opened: string[] = [];
    const closed: string[] = [];
    const registry = new ChannelRegistry({ opened: (c) => opened.push(c), closed: (c) => closed.push(c) });
    const a = registry.subscribe<number>('a')[Symbol.asyncIterator]();
    const b = registry.subscribe<number>('b')[Symbol.asyncIterator]();
    const waitingA = a.next();
    void b.next();
    expect(opened).toEqual(['a', 'b']);
    registry.deliver('a', 1);
    expect(await waitingA).toEqual({ value: 1, done: false });
    registry.deliver('a', 2);
    registry.fail('a', new EventsInterrupted('a', 'test'));
    expect(closed).toEqual(['a']);
    expect(await a.next()).toEqual({ value: 2, done: false });
    await expect(a.next()).rejects.toBeInstanceOf(EventsInterrupted);
    expect(registry.channels()).toEqual(['b']);
  });

  it('a read waiting when its channel fails is rejected', async () => {
    const registry = new ChannelRegistry();
    const it = registry.subscribe<number>('x')[Symbol.asyncIterator]();
    const waiting = it.next();
    registry.fail('x', new EventsInterrupted('x', 'test'));
    await expect(waiting).rejects.toBeInstanceOf(EventsInterrupted);
  });
});

// The WebSocket guard's parts that need no socket: the bounded stream every subscription is read
// through, the cache of validated documents, and the request id on a failed stream's error log.
import { GraphQLError, parse } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { buildContext } from '../../src/graphql/context.js';
import { getSchema } from '../../src/graphql/schema.js';
import type { Services } from '../../src/services/services.js';
import { BoundedStream } from '../../src/server/bounded-stream.js';
import { createDocumentCache } from '../../src/server/document-cache.js';
import { createWsGuard } from '../../src/server/ws-guard.js';
import { wsLimitsFrom } from '../../src/server/ws-limits.js';

/** A source the test pushes into; `returned` tells whether the stream stopped it. */
function source<T>() {
  const pending: ((r: IteratorResult<T>) => void)[] = [];
  const state = { returned: false };
  const iterator: AsyncIterableIterator<T> = {
    next: () => new Promise((resolve) => { pending.push(resolve); }),
    return: () => {
      state.returned = true;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() { return iterator; },
  };
  return { iterator, state, push: (value: T) => pending.shift()?.({ value, done: false }), waiting: () => pending.length };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BoundedStream', () => {
  it('pulls eagerly and hands items over in order', async () => {
    const src = source<number>();
    const stream = new BoundedStream(src.iterator, (n: number) => n, 4).start(() => { throw new Error('no overflow expected'); });
    src.push(1);
    await tick();
    src.push(2);
    await tick();
    expect(await stream.next()).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
  });

  it('a consumer more than maxQueued behind: onOverflow once, the source is stopped, the stream ends', async () => {
    const src = source<number>();
    let overflows = 0;
    const stream = new BoundedStream(src.iterator, (n: number) => n, 2).start(() => { overflows += 1; });
    for (let i = 1; i <= 3; i++) {
      src.push(i);
      await tick();
    }
    expect(overflows).toBe(1);
    expect(src.state.returned).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('releasing: an item is released once the consumer asks for the next one, or ends the stream; not before', async () => {
    const src = source<{ n: number }>();
    const released: number[] = [];
    const stream = new BoundedStream(src.iterator, (x: { n: number }) => x, 4).releasing((x) => { released.push(x.n); }).start(() => {});
    src.push({ n: 1 });
    await tick();
    src.push({ n: 2 });
    await tick();
    expect((await stream.next()).value).toEqual({ n: 1 });
    expect(released).toEqual([]);
    // Handed over while the consumer waits (not from the queue): released all the same.
    expect((await stream.next()).value).toEqual({ n: 2 });
    expect(released).toEqual([1]);
    const waiting = stream.next();
    expect(released).toEqual([1, 2]);
    src.push({ n: 3 });
    expect((await waiting).value).toEqual({ n: 3 });
    expect(released).toEqual([1, 2]);
    await stream.return();
    expect(released).toEqual([1, 2, 3]);
    // Nothing is released twice.
    await stream.return();
    expect(released).toEqual([1, 2, 3]);
  });

  it('return() ends the stream at once while the source is still waiting, and stops the source', async () => {
    const src = source<number>();
    const stream = new BoundedStream(src.iterator, (n: number) => n, 4).start(() => {});
    const read = stream.next();
    await stream.return();
    expect(await read).toEqual({ value: undefined, done: true });
    await tick();
    expect(src.state.returned).toBe(true);
  });

  it('a source that fails: queued items first, then the error', async () => {
    let fail: (e: Error) => void = () => {};
    let calls = 0;
    const failing: AsyncIterableIterator<number> = {
      next: () => {
        calls += 1;
        return calls === 1 ? Promise.resolve({ value: 1, done: false }) : new Promise((_, reject) => { fail = reject; });
      },
      [Symbol.asyncIterator]() { return failing; },
    };
    const stream = new BoundedStream(failing, (n: number) => n, 4).start(() => {});
    await tick();
    fail(new Error('source broke'));
    await tick();
    expect(await stream.next()).toEqual({ value: 1, done: false });
    await expect(stream.next()).rejects.toThrow('source broke');
  });
});

describe('BoundedStream mapping', () => {
  it('maps each item in order, one at a time, even when mapping takes time', async () => {
    const src = source<number>();
    let running = 0;
    let most = 0;
    const stream = new BoundedStream(src.iterator, async (n: number) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n === 1 ? 20 : 1));
      running -= 1;
      return `#${n}`;
    }, 4).start(() => {});
    src.push(1);
    await tick();
    expect(src.waiting()).toBe(0); // not asked for the next item while the first is being mapped
    await new Promise((r) => setTimeout(r, 30));
    src.push(2);
    expect(await stream.next()).toEqual({ value: '#1', done: false });
    expect(await stream.next()).toEqual({ value: '#2', done: false });
    expect(most).toBe(1);
  });

  it('a mapping that fails stops the source, and the stream fails after the items before it', async () => {
    const src = source<number>();
    const stream = new BoundedStream(src.iterator, (n: number) => {
      if (n === 2) throw new Error('cannot map 2');
      return n;
    }, 4).start(() => {});
    src.push(1);
    await tick();
    src.push(2);
    await tick();
    expect(await stream.next()).toEqual({ value: 1, done: false });
    await expect(stream.next()).rejects.toThrow('cannot map 2');
    expect(src.state.returned).toBe(true);
  });

  it('nothing is pulled before start()', async () => {
    const src = source<number>();
    const stream = new BoundedStream(src.iterator, (n: number) => n, 4);
    await tick();
    expect(src.waiting()).toBe(0);
    stream.start(() => {});
    expect(src.waiting()).toBe(1);
    await stream.return();
  });
});

describe('document cache', () => {
  const doc = parse('{ __typename }');

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = createDocumentCache({ maxEntries: 2, maxChars: 1000 });
    cache.set('a', doc);
    cache.set('b', doc);
    expect(cache.get('a')).toBe(doc); // now b is the least recently used
    cache.set('c', doc);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(doc);
    expect(cache.get('c')).toBe(doc);
    expect(cache.size).toBe(2);
  });

  it('keeps at most maxChars of query text, and never a query longer than that', () => {
    const cache = createDocumentCache({ maxEntries: 100, maxChars: 10 });
    cache.set('12345', doc);
    cache.set('67890', doc);
    cache.set('x', doc);
    expect(cache.get('12345')).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.set('a'.repeat(11), doc);
    expect(cache.get('a'.repeat(11))).toBeUndefined();
    expect(cache.get('67890')).toBe(doc);
  });
});

describe('ws guard', () => {
  it('operations with the same text share one parsed document; an invalid text is refused every time', () => {
    const guard = createWsGuard({ limits: wsLimitsFrom({ wsMaxConnectionsPerUser: 20, wsMaxSubscriptionsPerConnection: 50 }), schema: getSchema(), production: true, logger: pino({ level: 'silent' }) });
    const ctx = { subscriptions: { '1': null } } as unknown as Parameters<typeof guard.onSubscribe>[0];
    const payload: SubscribePayload = { query: 'subscription { offers { type } }' };
    const first = guard.onSubscribe(ctx, '1', payload);
    const second = guard.onSubscribe(ctx, '1', { ...payload });
    expect('document' in first && 'document' in second && first.document === second.document).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect(guard.onSubscribe(ctx, '1', { query: '{ noSuchField }' }))
        .toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    }
  });

  it("a stream that fails is logged with its operation's request id", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
    const guard = createWsGuard({ limits: wsLimitsFrom({ wsMaxConnectionsPerUser: 20, wsMaxSubscriptionsPerConnection: 50 }), schema: getSchema(), production: true, logger });
    const context = buildContext({} as Services, null, 'req-stream', logger);
    const never: AsyncIterableIterator<unknown> = { next: () => new Promise(() => {}), [Symbol.asyncIterator]() { return never; } };
    const stream = new BoundedStream(never, (x: unknown) => x, 4, context).start(() => {});
    const ctx = { subscriptions: { '7': stream }, extra: { socket: {} as WebSocket } } as unknown as Parameters<typeof guard.onError>[0];
    const formatted = guard.onError(ctx, '7', { query: 'subscription { offers { type } }' }, [new GraphQLError('boom', { originalError: new Error('the bus broke') })]);
    expect(formatted).toEqual([expect.objectContaining({ message: 'internal server error' })]);
    expect(lines.find((l) => l.msg === 'unexpected error')).toMatchObject({ reqId: 'req-stream' });
    void stream.return();
  });
});

// The WebSocket heartbeat's schedule, on vitest's fake timers: every socket is pinged once per
// interval, a few at a time (one group every 100 ms), and one that left its ping unanswered is
// terminated at its next turn. Sockets are stand-ins with the three members the heartbeat uses.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { createHeartbeat } from '../../src/server/graphql-ws-adapter.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  pings: number[] = [];
  terminated = false;
  /** Answers each ping (as a live client's ws library does) unless told not to. */
  answers = true;
  ping(): void {
    this.pings.push(Date.now());
    if (this.answers) queueMicrotask(() => this.emit('pong'));
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

const sockets = (n: number) => Array.from({ length: n }, () => new FakeSocket());
const asWs = (s: FakeSocket) => s as unknown as WebSocket;

describe('WebSocket heartbeat', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 0 }); });
  afterEach(() => { vi.useRealTimers(); });

  it('pings every socket once per interval, a tenth of a 1 s interval\'s sockets every 100 ms', async () => {
    const heartbeat = createHeartbeat(1000);
    const all = sockets(1000);
    for (const s of all) heartbeat.add(asWs(s));
    try {
      let before = 0;
      for (let tick = 1; tick <= 10; tick++) {
        await vi.advanceTimersByTimeAsync(100);
        const pinged = all.filter((s) => s.pings.length > 0).length;
        // One group per tick: never more than a tenth of the sockets at once.
        expect(pinged - before).toBe(100);
        before = pinged;
      }
      expect(all.every((s) => s.pings.length === 1)).toBe(true);
      await vi.advanceTimersByTimeAsync(1000);
      // Each socket's next ping comes one interval after its first.
      expect(all.every((s) => s.pings.length === 2 && (s.pings[1] as number) - (s.pings[0] as number) === 1000)).toBe(true);
      expect(all.some((s) => s.terminated)).toBe(false);
    } finally {
      heartbeat.stop();
    }
  });

  it('terminates a socket that did not answer its ping at its next turn; a removed one is not pinged', async () => {
    const heartbeat = createHeartbeat(1000);
    const [silent, live, gone] = sockets(3) as [FakeSocket, FakeSocket, FakeSocket];
    silent.answers = false;
    for (const s of [silent, live, gone]) heartbeat.add(asWs(s));
    heartbeat.remove(asWs(gone));
    try {
      await vi.advanceTimersByTimeAsync(1000);
      expect(silent.pings).toHaveLength(1);
      expect(silent.terminated).toBe(false);
      await vi.advanceTimersByTimeAsync(1000);
      expect(silent.terminated).toBe(true);
      expect(silent.pings).toHaveLength(1);
      expect(live.pings).toHaveLength(2);
      expect(live.terminated).toBe(false);
      expect(gone.pings).toHaveLength(0);
    } finally {
      heartbeat.stop();
    }
  });

  it('a short interval is one group pinged every interval', async () => {
    const heartbeat = createHeartbeat(50);
    const all = sockets(20);
    for (const s of all) heartbeat.add(asWs(s));
    try {
      await vi.advanceTimersByTimeAsync(50);
      expect(all.every((s) => s.pings.length === 1)).toBe(true);
      await vi.advanceTimersByTimeAsync(50);
      expect(all.every((s) => s.pings.length === 2)).toBe(true);
    } finally {
      heartbeat.stop();
    }
  });
});

// The test clock and the deadline scheduler: timers fire in order at their own time; the
// scheduler catches up first, arms one timer for the earliest deadline, and leaves none behind.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { DeadlineScheduler } from '../../src/time/deadline-scheduler.js';

const silent = pino({ level: 'silent' });

/**
 * Lets the scheduler's pass in progress finish: its work is asynchronous (the store port), so a pass
 * ends a few promise reactions after it starts. Microtasks only: no timer and no setImmediate runs.
 */
async function passesDone(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('ManualClock', () => {
  it('waits for the work a timer returns before moving time on (work on an asynchronous database)', async () => {
    const clock = new ManualClock(1000);
    const seen: number[] = [];
    clock.setTimer(100, async () => {
      // Several turns of the event loop, as a PostgreSQL round trip takes.
      await new Promise((r) => setTimeout(r, 20));
      seen.push(clock.now());
      clock.setTimer(50, () => { seen.push(clock.now()); });
    });
    await clock.advance(500);
    expect(seen).toEqual([1100, 1150]);
  });

  it('fires due timers in deadline order, each at its own time', async () => {
    const clock = new ManualClock(1000);
    const fired: [string, number][] = [];
    clock.setTimer(300, () => { fired.push(['b', clock.now()]); });
    clock.setTimer(100, () => { fired.push(['a', clock.now()]); });
    const c = clock.setTimer(200, () => { fired.push(['c', clock.now()]); });
    c.cancel();
    await clock.advance(250);
    expect(fired).toEqual([['a', 1100]]);
    await clock.advance(50);
    expect(fired).toEqual([['a', 1100], ['b', 1300]]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('DeadlineScheduler', () => {
  function fakeWork(clock: ManualClock, deadlines: number[], batch = Infinity) {
    const processedAt: number[] = [];
    return {
      processedAt,
      deadlines,
      work: {
        processDue: async () => {
          const due = deadlines.filter((d) => d <= clock.now()).slice(0, batch);
          for (const d of due) deadlines.splice(deadlines.indexOf(d), 1);
          if (due.length) processedAt.push(clock.now());
          return { processed: due.length, more: due.length === batch };
        },
        earliest: async () => (deadlines.length ? Math.min(...deadlines) : null),
      },
    };
  }

  it('on start, processes every deadline that passed while down, then arms for the earliest left', async () => {
    const clock = new ManualClock(10_000);
    const w = fakeWork(clock, [5_000, 9_000, 12_000, 15_000]);
    const s = new DeadlineScheduler(clock, w.work, silent);
    s.start();
    await passesDone();
    expect(w.processedAt).toEqual([10_000]);
    expect(w.deadlines).toEqual([12_000, 15_000]);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(2_000);
    await passesDone();
    expect(w.processedAt).toEqual([10_000, 12_000]);
    await clock.advance(3_000);
    await passesDone();
    expect(w.processedAt).toEqual([10_000, 12_000, 15_000]);
    expect(clock.pendingTimers).toBe(0);
    await s.stop();
  });

  it('a new earlier deadline re-arms the one timer; stop leaves no timer behind', async () => {
    const clock = new ManualClock(0);
    const w = fakeWork(clock, [10_000]);
    const s = new DeadlineScheduler(clock, w.work, silent);
    s.start();
    await passesDone();
    w.deadlines.push(4_000);
    s.notify(4_000);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(4_000);
    await passesDone();
    expect(w.processedAt).toEqual([4_000]);
    await s.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a backlog bigger than a batch is worked off a batch per turn of the event loop, not all at once', async () => {
    const clock = new ManualClock(10_000);
    const w = fakeWork(clock, [1_000, 2_000, 3_000, 4_000, 5_000, 20_000], 2);
    const s = new DeadlineScheduler(clock, w.work, silent);
    s.start();
    await passesDone();
    // One batch at once; the rest after other I/O has had its turn.
    expect(w.deadlines).toEqual([3_000, 4_000, 5_000, 20_000]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.deadlines).toEqual([5_000, 20_000]);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // No clock time passed: the backlog drained on its own, and the timer is armed for 20 s.
    expect(w.deadlines).toEqual([20_000]);
    expect(clock.pendingTimers).toBe(1);
    await s.stop();
  });

  it('through a backlog up to `concurrency` passes run at once, one at a time otherwise; passes ending together arm the timer once', async () => {
    for (const concurrency of [1, 3]) {
      const clock = new ManualClock(10_000);
      const deadlines = [...Array.from({ length: 20 }, (_, i) => 1_000 + i), 30_000];
      let running = 0;
      let most = 0;
      let earliestReads = 0;
      /** Each batch answers once the test lets it: passes can be held open together. */
      const held: (() => void)[] = [];
      const release = () => { for (const go of held.splice(0)) go(); };
      const s = new DeadlineScheduler(clock, {
        processDue: async () => {
          running++;
          most = Math.max(most, running);
          // Claimed at once (as SKIP LOCKED does), answered later.
          const due = deadlines.filter((d) => d <= clock.now()).slice(0, 4);
          for (const d of due) deadlines.splice(deadlines.indexOf(d), 1);
          await new Promise<void>((resolve) => held.push(resolve));
          running--;
          return { processed: due.length, more: due.length === 4 };
        },
        earliest: async () => {
          earliestReads++;
          return deadlines.length ? Math.min(...deadlines) : null;
        },
      }, silent, null, concurrency);
      s.start();
      // Every held batch answers at once, turn after turn, until the backlog is gone.
      for (let turn = 0; turn < 30 && deadlines.length > 1; turn++) {
        await passesDone();
        release();
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (let turn = 0; turn < 5; turn++) {
        await passesDone();
        release();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await s.idle();
      expect(deadlines).toEqual([30_000]);
      expect(most).toBe(concurrency);
      // The passes that found nothing more ended together; one of them read the earliest and armed.
      expect(earliestReads).toBe(1);
      expect(clock.pendingTimers).toBe(1);
      const late = clock.advance(20_000);
      await passesDone();
      release();
      await late;
      await s.idle();
      expect(deadlines).toEqual([]);
      await s.stop();
    }
  });

  it('a failure is retried a second later instead of stopping the clock', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const s = new DeadlineScheduler(clock, {
      processDue: async () => { calls++; if (calls === 1) throw new Error('disk full'); return { processed: 0, more: false }; },
      earliest: async () => null,
    }, silent);
    s.start();
    await passesDone();
    expect(calls).toBe(1);
    await clock.advance(1_000);
    await passesDone();
    expect(calls).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });
});

// Several instances compare offer deadlines with one clock: the database's. Each instance's clock is
// its own system clock plus the offset to the database server's clock, measured at start and every
// minute (the best of a few round trips: the one with the shortest round trip bounds the error by
// half of it, well under a millisecond on a LAN). Deadlines are written by one instance and checked
// by another (the scheduler, an accept), so what matters is that they read the same time, not that
// either is right; with this, two instances whose system clocks disagree by seconds still close a
// window within a millisecond or two of each other. Timers are durations and need no correction.
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

/** How often the offset is measured again (system clocks drift, NTP steps them). */
const REMEASURE_MS = 60_000;
/** Round trips per measurement; the shortest one's reading is kept. */
const SAMPLES = 5;
/** Offsets above this are logged as a warning: some machine's clock is badly off. */
const WARN_OFFSET_MS = 1000;

export interface AlignedClock extends Clock {
  /** Milliseconds added to the system clock (the database's clock minus this machine's). */
  readonly offsetMs: number;
  stop(): void;
}

/** Measures the offset once (and then every minute): resolves after the first measurement. */
export async function alignedClock(databaseNow: () => Promise<number>, logger: Logger): Promise<AlignedClock> {
  let offset = 0;
  async function measure(): Promise<void> {
    let best: { rtt: number; offset: number } | null = null;
    for (let i = 0; i < SAMPLES; i++) {
      const sent = Date.now();
      const db = await databaseNow();
      const received = Date.now();
      const rtt = received - sent;
      if (!best || rtt < best.rtt) best = { rtt, offset: db - (sent + received) / 2 };
    }
    if (!best) return;
    offset = Math.round(best.offset);
    if (Math.abs(offset) > WARN_OFFSET_MS) {
      logger.warn({ offsetMs: offset }, 'this machine\'s clock differs from the database server\'s by over a second; deadlines follow the database\'s');
    }
  }
  await measure();
  const timer = setInterval(() => {
    measure().catch((err: unknown) => logger.warn({ err }, 'measuring the database clock failed; keeping the last offset'));
  }, REMEASURE_MS);
  timer.unref();
  return {
    get offsetMs() {
      return offset;
    },
    now: () => Date.now() + offset,
    setTimer: systemClock.setTimer,
    stop: () => clearInterval(timer),
  };
}

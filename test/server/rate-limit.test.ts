// The token bucket behind the abuse limits, on a manual clock.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RateLimitedError } from '../../src/domain/errors.js';
import { RateLimiter, clientAddress } from '../../src/server/rate-limit.js';
import { ManualClock } from '../../src/time/clock.js';

const limiter = (perMinute: number, clock: ManualClock, maxKeys?: number) =>
  new RateLimiter({ perMinute, clock, maxKeys, what: 'too many tries' });

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then refuses with the seconds until the next token', async () => {
    const clock = new ManualClock();
    const l = limiter(3, clock);
    expect([l.take('a'), l.take('a'), l.take('a')].every((d) => d.allowed)).toBe(true);
    expect(l.take('a')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    await clock.advance(15_000);
    expect(l.take('a')).toEqual({ allowed: false, retryAfterSeconds: 5 });
    await clock.advance(5_000);
    expect(l.take('a')).toEqual({ allowed: true });
    expect(l.take('a').allowed).toBe(false);
  });

  it('keys are independent', () => {
    const l = limiter(1, new ManualClock());
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
    expect(l.take('b').allowed).toBe(true);
  });

  it('enforce throws RATE_LIMITED with retryAfterSeconds', () => {
    const l = limiter(1, new ManualClock());
    l.enforce('a');
    let caught: unknown;
    try { l.enforce('a'); } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(RateLimitedError);
    expect(caught).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 60 });
  });

  it('memory is bounded: idle keys are dropped and the map never exceeds maxKeys', async () => {
    const clock = new ManualClock();
    const l = limiter(60, clock, 100);
    for (let i = 0; i < 1000; i++) l.take(`flood-${i}`);
    expect(l.size).toBe(100);
    // A minute later every bucket has refilled: the next call finds them idle and drops them.
    await clock.advance(60_000);
    l.take('late');
    expect(l.size).toBe(1);
  });

  it('a busy key survives eviction of idle ones and keeps its debt', async () => {
    const clock = new ManualClock();
    const l = limiter(2, clock, 10);
    l.take('busy');
    l.take('busy');
    for (let i = 0; i < 5; i++) l.take(`idle-${i}`);
    await clock.advance(1_000);
    expect(l.take('busy').allowed).toBe(false);
  });
});

describe('clientAddress', () => {
  const req = (remoteAddress: string, xff?: string) =>
    ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage;

  it('is the socket peer, with IPv4-mapped IPv6 written as IPv4; X-Forwarded-For is ignored by default', () => {
    expect(clientAddress(req('::ffff:10.0.0.7', '1.2.3.4'), false)).toBe('10.0.0.7');
  });

  it('with TRUST_PROXY it is the last X-Forwarded-For entry (the one our proxy added)', () => {
    expect(clientAddress(req('10.0.0.1', 'spoofed, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientAddress(req('10.0.0.1'), true)).toBe('10.0.0.1');
  });
});

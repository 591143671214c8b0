// Abuse limits: a token bucket per key (a client address, an account), the limits the server
// applies, the client address a request counts against, and the 429 answer for plain HTTP routes.
//
// Use from GraphQL:  ctx.services.limits.intake.enforce(ctx.clientIp)        (throws RATE_LIMITED)
// Use from a route:  if (refusedByRateLimit(services.limits.intake, req, res, config.trustProxy)) return true;
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RateLimitedError } from '../domain/errors.js';
import type { Clock } from '../time/clock.js';
import type { Config } from './config.js';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiterOptions {
  /** Tokens added per minute, spread evenly (60 per minute: one a second). */
  perMinute: number;
  /** Tokens a fresh or rested key holds, so bursts up to this size pass. Default: perMinute. */
  burst?: number;
  /**
   * Keys held at most. When full, the least recently used key is forgotten (it starts again with
   * a full bucket): memory stays bounded whatever number of addresses a flood comes from.
   * Default 10,000.
   */
  maxKeys?: number;
  clock: Clock;
  /** Names the limit in RATE_LIMITED messages ("too many lead submissions"). */
  what: string;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/**
 * A token bucket per key. Buckets are kept in least-recently-used order, so idle keys are found
 * at the front: a key whose bucket has refilled completely is the same as no key at all and is
 * dropped whenever it is reached, and the oldest keys go first when the map is at `maxKeys`.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxKeys: number;

  constructor(private readonly options: RateLimiterOptions) {
    if (!(options.perMinute > 0)) throw new Error('perMinute must be positive');
    this.perMs = options.perMinute / 60_000;
    this.burst = Math.max(1, options.burst ?? options.perMinute);
    this.maxKeys = Math.max(1, options.maxKeys ?? 10_000);
  }

  /** Takes one token from `key`'s bucket, or says how many seconds until one is there. */
  take(key: string): RateDecision {
    const now = this.options.clock.now();
    this.evictIdle(now);
    const bucket = this.refilled(key, now);
    // Re-inserted on every use: the Map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** Takes a token or throws RateLimitedError (RATE_LIMITED with retryAfterSeconds). */
  enforce(key: string): void {
    const decision = this.take(key);
    if (!decision.allowed) {
      throw new RateLimitedError(`${this.options.what}: try again in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
    }
  }

  /** Keys currently held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    return bucket;
  }

  /** Drops keys from the least recently used end while their buckets would be full again. */
  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs < this.burst) return;
      this.buckets.delete(key);
    }
  }
}

/** The limits the server applies, one limiter per kind of key. */
export interface RateLimits {
  /** Anonymous intake (submitLead without a signed-in user, web forms, inbound email), per client address. */
  intake: RateLimiter;
  /**
   * Login attempts per client address, and so also per account from that address: a stranger
   * guessing a user's password uses up their own address's attempts, not the user's.
   */
  loginByAddress: RateLimiter;
  /**
   * Login attempts per account (the normalised email) from every address together: a higher ceiling
   * (LOGIN_ACCOUNT_RATE_PER_MINUTE) against guessing one password from many addresses. At the rate
   * of the address limit, strangers anywhere could lock the user out (issue 12, point 8).
   */
  loginByAccount: RateLimiter;
}

export function createRateLimits(
  config: Pick<Config, 'intakeRatePerMinute' | 'loginRatePerMinute' | 'loginAccountRatePerMinute'>,
  clock: Clock,
): RateLimits {
  return {
    intake: new RateLimiter({ perMinute: config.intakeRatePerMinute, clock, what: 'too many lead submissions from this address' }),
    loginByAddress: new RateLimiter({ perMinute: config.loginRatePerMinute, clock, what: 'too many sign-in attempts from this address' }),
    loginByAccount: new RateLimiter({ perMinute: config.loginAccountRatePerMinute, clock, what: 'too many sign-in attempts for this account' }),
  };
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice('::ffff:'.length) : a;
}

/** The peer address of a connection, as the limits count it. */
export function socketAddress(socket: Socket): string {
  return normalizeAddress(socket.remoteAddress ?? 'unknown');
}

/**
 * The address a request counts against. The socket's peer, unless `trustProxy`: then the last
 * X-Forwarded-For entry, the one our own reverse proxy appended (earlier entries are whatever the
 * client sent, so they are never trusted). Set TRUST_PROXY only behind exactly one proxy.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const last = value?.split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) return normalizeAddress(last);
  }
  return socketAddress(req.socket);
}

/** Answers a plain HTTP request with 429 and Retry-After. */
export function sendRateLimited(res: ServerResponse, retryAfterSeconds: number): void {
  const body = JSON.stringify({ error: 'too many requests', retryAfterSeconds });
  res.writeHead(429, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'retry-after': String(retryAfterSeconds),
  });
  res.end(body);
}

/**
 * For plain HTTP routes: takes one from `limiter` for the request's client address; when refused,
 * drains the request, answers 429 and returns true (the route is done).
 */
export function refusedByRateLimit(limiter: RateLimiter, req: IncomingMessage, res: ServerResponse, trustProxy: boolean): boolean {
  const decision = limiter.take(clientAddress(req, trustProxy));
  if (decision.allowed) return false;
  req.resume();
  sendRateLimited(res, decision.retryAfterSeconds);
  return true;
}

// The event bus across server instances: events published after commit go through Redis pub/sub on
// the same narrow channels as in process (offers:<agent>, lead-events:lead:<id>, ...), so an agent
// connected to any instance hears every offer made on any other.
//
// Redis is a doorbell, not the truth: pub/sub keeps no message for a subscriber that is not connected.
// This bus never drops an offer silently. Whenever it may have missed an event on a channel it ends
// that channel's local subscriptions with EventsInterrupted; the WebSocket layer closes those sockets
// with a code graphql-ws clients retry on, and a reconnected client resyncs from the database
// (myOffers, the lead). We chose ending over replaying from lead_events because a replay would need
// every event kind (offers, TAKEN, EXPIRED, former owners) rebuilt per channel from the database, and
// a client that reconnects and reads myOffers gets the same truth with code it already has. It may
// have missed events when:
//   - the subscriber connection to Redis drops (Redis restarted, network): every local channel;
//   - a channel is opened while that connection is away: once its SUBSCRIBE has reached Redis;
//   - a publish from this instance fails: on reconnect it publishes a gap notice on that channel,
//     and every instance ends its subscriptions there;
//   - a channel's sequence skips: each message carries (origin instance, per-channel sequence), and a
//     receiver that sees origin O jump from n to m > n + 1 on a channel ends that channel.
// Events published here are delivered to this instance's own subscribers at once (not through Redis),
// and this instance ignores its own messages when Redis echoes them.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChannelRegistry, EventsInterrupted, type EventBus } from './event-bus.js';

/**
 * Per-channel sequence counters kept by a publisher: the channels published on lately, in two
 * generations of up to this many each. When the newer fills, the older is dropped whole; a channel
 * found in neither starts again at 1, which receivers take as a restart, not a gap.
 */
const SEQUENCES_PER_GENERATION = 50_000;

/**
 * A turn of the event loop's publishes, sent as one command: a committed change publishes each of its
 * lead's events on the lead's channel, the admins' feed and its users' channels, the same payload each
 * time. ARGV[1] is how every message of this instance starts; ARGV[2] how many payloads follow (each
 * encoded once); then per message its channel, its sequence and the number of its payload. Each message
 * is built here as encode() would write it, so receivers cannot tell it from one published alone.
 * In the speed benchmark on PostgreSQL + Redis the server promoted 641 kB per scavenge with a command
 * per channel, 552 kB with one per turn, and 460 kB publishing nothing (ioredis's commands, their
 * promises and the encoded copies of each payload are what the change saves).
 */
const PUBLISH_ALL = `local head = ARGV[1]
local payloads = tonumber(ARGV[2])
local i = 3 + payloads
while i <= #ARGV do
  redis.call('PUBLISH', ARGV[i], head .. ARGV[i + 1] .. ',"p":' .. ARGV[2 + tonumber(ARGV[i + 2])] .. '}')
  i = i + 3
end
return 0`;

/** PUBLISH_ALL's arguments per message: its channel, its sequence, the number of its payload. */
const ARGS_PER_MESSAGE = 3;

/** Messages per PUBLISH_ALL at most (spread into one call with their payloads). */
const MAX_BATCH = 256;

/** The publisher's connection with PUBLISH_ALL defined on it (ioredis's defineCommand). */
interface Publisher extends Redis {
  publishAll(...args: string[]): Promise<number>;
}

interface Envelope {
  /** Origin: the publishing instance. */
  o: string;
  /** Sequence of this origin's messages on this channel, from 1 (restarts at 1 when forgotten). */
  s: number;
  /** The event; absent in a gap notice. */
  p?: unknown;
  /** A gap notice: the origin failed to publish an event on this channel. */
  g?: 1;
}

/** Dates as { $d: ms }: JSON with Dates kept as Dates (events carry rows whose times are Dates). */
function keepDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { $d: raw.getTime() } : value;
}

function encode(envelope: Envelope): string {
  return JSON.stringify(envelope, keepDates);
}

function decode(text: string): Envelope {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && '$d' in value) {
      const ms = (value as { $d: unknown }).$d;
      if (typeof ms === 'number') return new Date(ms);
    }
    return value;
  }) as Envelope;
}

export interface RedisEventBus extends EventBus {
  /** This instance's origin id (in every message it publishes). */
  readonly origin: string;
  /** Resolves once both connections are ready; rejects if Redis cannot be reached at start. */
  ready(): Promise<void>;
  /** For /healthz: whether both connections are up now. */
  healthy(): boolean;
  close(): Promise<void>;
}

export interface RedisEventBusOptions {
  url: string;
  logger: Logger;
  /** Fixed origin id (tests); a random one otherwise. */
  origin?: string;
}

export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
  const { url, logger } = options;
  const origin = options.origin ?? randomBytes(6).toString('hex');
  const log = logger.child({ component: 'redis-bus' });
  // Two connections: a connection in subscriber mode can issue nothing but (UN)SUBSCRIBE.
  // The publisher fails fast while disconnected (no offline queue): a publish that did not reach
  // Redis is known at once and answered with a gap notice on reconnect.
  // Not auto-pipelined: a turn's publishes are already one PUBLISH_ALL (flush, below), and ioredis's
  // auto-pipelining would hold that command back until setImmediate, after every other I/O callback of
  // the turn (other requests, other statements' results), while the offer waits on another instance.
  const publisher = new Redis(url, {
    enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, connectionName: `leadrace-pub-${origin}`,
  }) as Publisher;
  // EVALSHA, falling back to EVAL when Redis does not know the script (after a restart, say).
  publisher.defineCommand('publishAll', { numberOfKeys: 0, lua: PUBLISH_ALL });
  // What was published while the subscriber was away is gone: every local subscription is ended when
  // its connection drops, so nothing is re-subscribed after a reconnect but the subscriptions made
  // since (their SUBSCRIBE waits in the offline queue).
  const subscriber = new Redis(url, { lazyConnect: true, autoResubscribe: false, maxRetriesPerRequest: null, connectionName: `leadrace-sub-${origin}` });
  let sequences = new Map<string, number>();
  let olderSequences = new Map<string, number>();
  /** Per channel with local subscribers: the last sequence seen from each origin. */
  const seen = new Map<string, Map<string, number>>();
  /** Channels on which a publish failed: a gap notice goes out on each when the publisher is back. */
  const unsent = new Set<string>();
  let closing = false;

  const registry = new ChannelRegistry({
    opened(channel) {
      // Opened while the connection is away, the SUBSCRIBE waits in the offline queue: whatever is
      // published before it reaches Redis (another instance's gap notice included) never arrives here,
      // and nothing else would tell. Such a channel is ended as soon as the SUBSCRIBE has taken effect,
      // so its clients resync from a point where they hear everything.
      const away = subscriber.status !== 'ready';
      subscriber.subscribe(channel).then(() => {
        if (away) registry.fail(channel, new EventsInterrupted(channel, 'subscribed while Redis was away'));
      }, (err: unknown) => {
        // Not subscribed: this channel would hear nothing from other instances.
        log.warn({ err, channel }, 'subscribe failed');
        registry.fail(channel, new EventsInterrupted(channel, 'subscribe failed'));
      });
    },
    closed(channel) {
      seen.delete(channel);
      if (subscriber.status === 'ready') subscriber.unsubscribe(channel).catch(() => {});
    },
  });

  function interruptAll(reason: string): void {
    const open = registry.channels();
    if (open.length > 0) log.warn({ channels: open.length, reason }, 'ending subscriptions that may have missed events');
    for (const channel of open) registry.fail(channel, new EventsInterrupted(channel, reason));
  }

  /** Publishes that failed since Redis was last ready (logged once, then counted). */
  let failedPublishes = 0;
  /** How every message of this instance starts (encode writes the origin first): its echoes are not decoded. */
  const ownPrefix = `{"o":${JSON.stringify(origin)},`;
  subscriber.on('message', (channel: string, text: string) => {
    // Our own echo, or a channel whose last local subscriber has just gone: nothing to decode.
    if (text.startsWith(ownPrefix) || !registry.has(channel)) return;
    let envelope: Envelope;
    try {
      envelope = decode(text);
    } catch (err) {
      log.error({ err, channel }, 'undecodable message');
      return;
    }
    if (envelope.o === origin) return;
    if (envelope.g) {
      registry.fail(channel, new EventsInterrupted(channel, `instance ${envelope.o} could not publish`));
      return;
    }
    let origins = seen.get(channel);
    if (!origins) seen.set(channel, origins = new Map());
    const last = origins.get(envelope.o);
    origins.set(envelope.o, envelope.s);
    // s = 1 is a counter that started (or restarted after being forgotten), not a gap.
    if (last !== undefined && envelope.s !== last + 1 && envelope.s !== 1) {
      log.warn({ channel, from: envelope.o, last, got: envelope.s }, 'gap in a channel sequence');
      registry.fail(channel, new EventsInterrupted(channel, 'gap in the event sequence'));
      return;
    }
    registry.deliver(channel, envelope.p);
  });
  subscriber.on('close', () => {
    if (closing) return;
    seen.clear();
    interruptAll('lost the connection to Redis');
  });
  publisher.on('ready', () => {
    if (failedPublishes > 0) {
      log.warn({ failed: failedPublishes, channels: unsent.size }, 'Redis is back: publishes had failed while it was away; their channels get gap notices');
      failedPublishes = 0;
    }
    for (const channel of [...unsent]) {
      unsent.delete(channel);
      publisher.publish(channel, encode({ o: origin, s: 0, g: 1 })).catch(() => unsent.add(channel));
    }
  });
  // ioredis reconnects by itself; these only keep the errors from being unhandled, and say so once.
  let lastError = '';
  const onError = (which: string) => (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message, connection: which }, 'redis connection error');
    lastError = err.message;
  };
  publisher.on('error', onError('publisher'));
  subscriber.on('error', onError('subscriber'));

  function nextSequence(channel: string): number {
    const s = (sequences.get(channel) ?? olderSequences.get(channel) ?? 0) + 1;
    sequences.set(channel, s);
    if (sequences.size >= SEQUENCES_PER_GENERATION) {
      olderSequences = sequences;
      sequences = new Map();
    }
    return s;
  }

  /** What every message of this instance starts with, up to its sequence (as encode() writes it). */
  const head = `${ownPrefix}"s":`;
  /** This turn's messages not sent yet: PUBLISH_ALL's arguments after the payloads, and the payloads. */
  let batch: { messages: string[]; payloads: string[]; last: unknown } | null = null;

  function flush(): void {
    const sending = batch;
    batch = null;
    if (!sending) return;
    const { messages } = sending;
    publisher.publishAll(head, String(sending.payloads.length), ...sending.payloads, ...messages).catch((err: unknown) => {
      for (let i = 0; i < messages.length; i += ARGS_PER_MESSAGE) unsent.add(messages[i] as string);
      // One line per outage, not one per event: the count comes when Redis is back (above).
      if (failedPublishes === 0) log.warn({ err, channel: messages[0] }, 'publish failed: its channel gets a gap notice when Redis is back (further failures are counted until then)');
      failedPublishes += messages.length / ARGS_PER_MESSAGE;
    });
  }

  return {
    origin,
    publish(channel, payload) {
      registry.deliver(channel, payload);
      if (closing) return;
      if (!batch) {
        batch = { messages: [], payloads: [], last: undefined };
        queueMicrotask(flush);
      }
      // A change publishes one payload on several channels one after another: encoded once.
      if (batch.payloads.length === 0 || payload !== batch.last) {
        batch.payloads.push(JSON.stringify(payload, keepDates) ?? 'null');
        batch.last = payload;
      }
      batch.messages.push(channel, String(nextSequence(channel)), String(batch.payloads.length));
      // A burst (a batch of expiries, say) goes in several commands: each one's arguments stay few.
      if (batch.messages.length >= MAX_BATCH * ARGS_PER_MESSAGE) flush();
    },
    subscribe: <T>(channel: string): AsyncIterable<T> => registry.subscribe<T>(channel),
    async ready() {
      await Promise.all([publisher.connect(), subscriber.connect()]);
    },
    healthy: () => publisher.status === 'ready' && subscriber.status === 'ready',
    async close() {
      closing = true;
      // This turn's publishes still go, as they would have one by one.
      flush();
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

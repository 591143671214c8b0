// The default channel when no provider is configured: the message is written to the log and kept in
// memory (the outbox row records it as SENT), so a fresh install works and shows what would be sent.
import type { Logger } from 'pino';
import type { Channel, ChannelKind, OutgoingMessage } from './channel.js';

export interface LogChannel extends Channel {
  /** Messages "sent" since start, oldest first (bounded: a long-running server must not grow). */
  readonly sent: readonly OutgoingMessage[];
}

const KEEP = 1000;

export function createLogChannel(kind: ChannelKind, logger: Logger): LogChannel {
  const sent: OutgoingMessage[] = [];
  return {
    name: 'log',
    // Writing a log line never waits: a bound only to keep one pass of the worker small.
    maxInFlight: 64,
    sent,
    send(message) {
      sent.push(message);
      if (sent.length > KEEP) sent.splice(0, sent.length - KEEP);
      logger.info({ channel: kind, to: message.to, subject: message.subject, body: message.body }, 'notification (log channel)');
      return Promise.resolve();
    },
  };
}

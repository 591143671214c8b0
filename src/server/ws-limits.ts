// What one WebSocket client may hold on the server (connections per user, operations per
// connection, unsent events and bytes, the ping interval), and every close and error code the
// server uses on /graphql. ws-guard.ts applies these limits.
import type { Config } from './config.js';

/** Every close code the server uses on /graphql, in one place. */
export enum WsCloseCode {
  /** The server is shutting down. */
  GoingAway = 1001,
  /** graphql-ws Forbidden: connection_init without a valid token (or a deactivated user, or a revoked token). */
  Forbidden = 4403,
  /** The user already has maxConnectionsPerUser sockets open; this newest one is refused. */
  TooManyConnections = 4429,
  /** Slow consumer: the client stopped reading and its backlog passed the bound. */
  SlowConsumer = 4008,
  /** A message over MAX_BODY_BYTES (ws's maxPayload; sent by ws before graphql-ws sees it). */
  MessageTooBig = 1009,
  /**
   * The event bus may have missed events for this socket's subscriptions (Redis lost, a gap in a
   * channel's sequence): graphql-ws clients retry on 1012; a reconnected client resyncs (myOffers).
   */
  EventsInterrupted = 1012,
}

/**
 * Why a socket is closed with 4403 (graphql-ws's own reason is the bare "Forbidden"): the client can
 * tell a missing token from a wrong one from a deactivated user. At most 123 bytes each.
 */
export const WsForbiddenReason = {
  NO_TOKEN: 'Forbidden: sign in first: send connectionParams { "authorization": "Bearer <token>" }',
  INVALID_TOKEN: 'Forbidden: the token is not valid (revoked, expired or mistyped)',
  DEACTIVATED: 'the user was deactivated',
} as const;

/** Close reasons clients can show (at most 123 bytes, as WebSocket allows). */
export const WsCloseReason = {
  [WsCloseCode.Forbidden]: WsForbiddenReason.DEACTIVATED,
  [WsCloseCode.TooManyConnections]: 'too many connections for this user',
  [WsCloseCode.SlowConsumer]: 'slow consumer: the client stopped reading',
  [WsCloseCode.EventsInterrupted]: 'events interrupted: reconnect, then resync with myOffers',
} as const;

/** The reason of the 4403 that closes the sockets signed in with a token an admin revoked. */
export const TOKEN_REVOKED_REASON = 'the API token was revoked';

/** Error codes of operations refused on a WebSocket (the socket stays open). */
export enum WsErrorCode {
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
}

export interface WsLimits {
  /** Open sockets per user (WS_MAX_CONNECTIONS_PER_USER, default 20); one more is closed with 4429. */
  maxConnectionsPerUser: number;
  /**
   * Operations running at once on one socket (WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, default 50);
   * one more gets an error TOO_MANY_SUBSCRIPTIONS and the socket stays open.
   */
  maxSubscriptionsPerConnection: number;
  /**
   * Events one subscription may have produced and not yet handed to the socket. graphql-ws sends a
   * subscription's events one at a time, waiting for each to be written, so a client that stops
   * reading makes them pile up here: one more than this and the client is closed with 4008.
   * Default 256.
   */
  maxQueuedEvents: number;
  /** Bytes a socket may hold unsent before the client counts as a slow consumer (4008). Default 4 MiB. */
  maxBufferedBytes: number;
  /** Ping interval in ms; a socket that has not answered a ping by the next is terminated. Default 30 s. */
  keepAliveMs: number;
}

export function wsLimitsFrom(config: Pick<Config, 'wsMaxConnectionsPerUser' | 'wsMaxSubscriptionsPerConnection'>,
  overrides: Partial<WsLimits> = {}): WsLimits {
  return {
    maxConnectionsPerUser: config.wsMaxConnectionsPerUser,
    maxSubscriptionsPerConnection: config.wsMaxSubscriptionsPerConnection,
    maxQueuedEvents: 256,
    maxBufferedBytes: 4 * 1024 * 1024,
    keepAliveMs: 30_000,
    ...overrides,
  };
}

// graphql-ws (the graphql-transport-ws protocol) over a `ws` server: what graphql-ws/use/ws does,
// holding less per socket, since every connected agent holds one for hours. Differences:
// - `extra` (ctx.extra in every graphql-ws hook) is made by the caller when the socket connects;
//   the upgrade request is not kept for the socket's lifetime (about 1.2 KB each);
// - a message is handed to graphql-ws without awaiting its handling here, so a subscribe message's
//   raw bytes and this handler's frame are not held for as long as the subscription runs;
// - one timer pings every socket, spread over the interval, instead of a timer per socket;
// - internal errors go to the server's logger rather than console.error;
// - a close reason made from client input is cut to the 123 bytes WebSocket allows (use/ws lets
//   ws throw, and the client gets 4500), and a socket that cannot be set up is terminated rather
//   than the error escaping the HTTP server's 'upgrade' event.
// Everything else (subprotocol check, 4500 on internal errors, 1001 on dispose) is as in use/ws.
import type { IncomingMessage } from 'node:http';
import {
  CloseCode, DEPRECATED_GRAPHQL_WS_PROTOCOL, handleProtocols, makeServer,
  type ConnectionInitMessage, type ServerOptions, type WebSocket as GraphQLWsSocket,
} from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';

export interface GraphQLWsAdapterOptions<E> {
  /** Makes a socket's `extra` when it connects. The request is not kept after this returns. */
  extra: (socket: WebSocket, request: IncomingMessage) => E;
  /**
   * Every socket is pinged once per keepAliveMs (its first ping comes within keepAliveMs of
   * connecting); one that has not answered by its next ping is terminated. 0 turns pings off.
   */
  keepAliveMs: number;
  /** In production an internal error closes the socket with the reason "Internal server error" only. */
  production: boolean;
  logger: Logger;
}

const INTERNAL_ERROR = 'Internal server error';

/** A close reason must fit in 123 bytes; a longer one is replaced (as graphql-ws does). */
const closeReason = (err: unknown, production: boolean): string => {
  if (production) return INTERNAL_ERROR;
  const message = err instanceof Error ? err.message : String(err);
  return Buffer.byteLength(message) < 124 ? message : INTERNAL_ERROR;
};

/**
 * graphql-ws puts client input in some close reasons (`Subscriber for <id> already exists`), and
 * ws throws on a reason over 123 bytes: the client would get 4500 instead of the code meant for
 * it. Such a reason is cut to fit.
 */
function fitCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) < 124) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

/** The socket as graphql-ws's server sees it; one per connection, its methods on the prototype. */
class SocketTransport implements GraphQLWsSocket {
  readonly protocol: string;

  constructor(private readonly socket: WebSocket, private readonly onInternalError: (socket: WebSocket, err: unknown) => void) {
    this.protocol = socket.protocol;
  }

  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== this.socket.OPEN) return resolve();
      this.socket.send(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason === undefined ? undefined : fitCloseReason(reason));
  }

  onMessage(cb: (data: string) => Promise<void>): void {
    const socket = this.socket;
    const onInternalError = this.onInternalError;
    // The promise settles when the message's work is done: for a subscribe, when the subscription ends.
    socket.on('message', (data) => { cb(String(data)).catch((err: unknown) => onInternalError(socket, err)); });
  }
}

/** How often the heartbeat visits a group of sockets (when the interval is longer than this). */
const HEARTBEAT_TICK_MS = 100;

/** How many groups the heartbeat deals its sockets into for a ping interval of `intervalMs`. */
export const heartbeatGroups = (intervalMs: number): number => Math.max(1, Math.round(intervalMs / HEARTBEAT_TICK_MS));

/**
 * Pings each socket once per `intervalMs` and terminates one whose previous ping is unanswered.
 * The sockets are dealt into groups, one group visited every HEARTBEAT_TICK_MS, so that pings never
 * come in a burst that holds the event loop: a ping costs ~16 µs here, and with 16 groups (before) a
 * server with 10,000 sockets held its loop 11-14 ms (max ~30) every 1.9 s pinging 625 of them, while
 * leads waited behind it. With a group per 100 ms of a 30 s interval it pings ~34 at a time (under 1 ms;
 * scripts/bench/heartbeat.ts).
 */
export function createHeartbeat(intervalMs: number) {
  const on = intervalMs > 0 && Number.isFinite(intervalMs);
  const SLOTS = on ? heartbeatGroups(intervalMs) : 1;
  const slots = Array.from({ length: SLOTS }, () => new Set<WebSocket>());
  const unanswered = new WeakSet<WebSocket>();
  /** Each socket's group: a close removes it without looking through the others. */
  const slotOf = new WeakMap<WebSocket, Set<WebSocket>>();
  let turn = 0;
  let deal = 0;
  function answered(this: WebSocket): void {
    unanswered.delete(this);
  }
  const timer = on
    ? setInterval(() => {
      const slot = slots[turn];
      turn = (turn + 1) % SLOTS;
      for (const socket of slot ?? []) {
        if (socket.readyState !== socket.OPEN) continue;
        if (unanswered.has(socket)) {
          socket.terminate();
          continue;
        }
        unanswered.add(socket);
        socket.ping();
      }
    }, intervalMs / SLOTS)
    : null;
  // Sockets are closed at dispose; the timer alone does not keep the process alive.
  timer?.unref();
  return {
    add(socket: WebSocket): void {
      const slot = slots[deal];
      if (!timer || !slot) return;
      slot.add(socket);
      slotOf.set(socket, slot);
      deal = (deal + 1) % SLOTS;
      socket.on('pong', answered);
    },
    remove(socket: WebSocket): void {
      slotOf.get(socket)?.delete(socket);
      slotOf.delete(socket);
    },
    stop(): void {
      if (timer) clearInterval(timer);
    },
  };
}

/** Serves graphql-ws on `wsServer` (perMessageDeflate and maxPayload are the caller's choice). */
export function useGraphQLWs<P extends ConnectionInitMessage['payload'], E>(
  options: ServerOptions<P, E>, wsServer: WebSocketServer, adapter: GraphQLWsAdapterOptions<E>,
): { dispose(): Promise<void> } {
  const { logger, production } = adapter;
  const server = makeServer(options);
  const heartbeat = createHeartbeat(adapter.keepAliveMs);
  wsServer.options.handleProtocols = handleProtocols;

  const internalError = (socket: WebSocket, err: unknown): void => {
    logger.error({ err }, 'internal error while handling a WebSocket message');
    socket.close(CloseCode.InternalServerError, closeReason(err, production));
  };
  function socketError(this: WebSocket, err: Error): void {
    logger.error({ err }, 'error on a WebSocket');
    this.close(CloseCode.InternalServerError, closeReason(err, production));
  }

  wsServer.once('error', (err) => {
    logger.error({ err }, 'error on the WebSocket server');
    let firstErr: unknown = null;
    for (const client of wsServer.clients) {
      try {
        client.close(CloseCode.InternalServerError, closeReason(err, production));
      } catch (closeErr) {
        firstErr ??= closeErr;
      }
    }
    if (firstErr) throw firstErr;
  });

  wsServer.on('connection', (socket, request) => {
    // `on`, not `once`: ws emits 'close' once, and a once-wrapper costs two objects per socket.
    socket.on('error', socketError);
    let closed: ReturnType<typeof server.opened>;
    try {
      closed = server.opened(new SocketTransport(socket, internalError), adapter.extra(socket, request));
    } catch (err) {
      // This runs inside the HTTP server's 'upgrade' event: a throw would end the process.
      logger.error({ err }, 'could not set up a WebSocket');
      socket.terminate();
      return;
    }
    heartbeat.add(socket);
    socket.on('close', (code, reason) => {
      heartbeat.remove(socket);
      if (!production && code === CloseCode.SubprotocolNotAcceptable && socket.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL) {
        logger.warn('a client used the deprecated subscriptions-transport-ws subprotocol "graphql-ws"; only graphql-transport-ws is served');
      }
      closed(code, String(reason)).catch((err: unknown) => logger.error({ err }, 'error while closing a WebSocket'));
    });
  });

  return {
    async dispose() {
      heartbeat.stop();
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => { wsServer.close((err) => (err ? reject(err) : resolve())); });
    },
  };
}

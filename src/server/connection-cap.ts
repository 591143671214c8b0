// A cap on the TCP connections one peer address may hold open, HTTP keep-alive and WebSockets
// alike (a WebSocket keeps the connection it was upgraded from), so that one address cannot take
// all of the server's sockets. Counted at the socket, by the address rate-limit.ts's clientAddress
// uses when no proxy is trusted. The per-user WebSocket limits (ws-guard.ts) apply on top.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { socketAddress } from './rate-limit.js';

interface AddressConnections {
  open: number;
  /** Connections refused since the address reached the cap (it is forgotten once it holds none). */
  refused: number;
}

/**
 * Counts the open connections of each peer address on `server`, and destroys a new one at once,
 * before anything of it is read, when its address already holds `max`. The 1st, 2nd, 4th, 8th...
 * refusal of an address is logged (warn), so that a flood does not flood the log as well.
 */
export function capConnectionsPerAddress(server: Server, max: number, logger: Logger): void {
  const byAddress = new Map<string, AddressConnections>();
  const addressOf = new WeakMap<Socket, string>();
  // One 'close' listener shared by every socket (no closure per connection: agents hold sockets for hours).
  function release(this: Socket): void {
    const address = addressOf.get(this);
    const entry = address === undefined ? undefined : byAddress.get(address);
    if (address === undefined || !entry) return;
    entry.open -= 1;
    if (entry.open <= 0) byAddress.delete(address);
  }

  server.on('connection', (socket: Socket) => {
    const address = socketAddress(socket);
    const entry = byAddress.get(address) ?? { open: 0, refused: 0 };
    if (entry.open >= max) {
      entry.refused += 1;
      if ((entry.refused & (entry.refused - 1)) === 0) {
        logger.warn({ address, max, refused: entry.refused }, 'refused a connection: the address holds MAX_CONNECTIONS_PER_ADDRESS already');
      }
      socket.destroy();
      return;
    }
    entry.open += 1;
    byAddress.set(address, entry);
    addressOf.set(socket, address);
    socket.on('close', release);
  });
}

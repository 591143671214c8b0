// A minimal graphql-ws (graphql-transport-ws protocol) client. The load process holds up to 10,000
// of these, so it keeps per-connection state small and timestamps each message as it arrives.
import WebSocket from 'ws';

export interface WsMessage {
  id?: string;
  type: string;
  payload?: { data?: unknown; errors?: unknown } | unknown[];
}

export type OnNext = (id: string, data: unknown, at: number) => void;

export class GqlSocket {
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<string, (data: unknown, at: number) => void>();
  /** Waiting for the server's pong to our ping (made on first use: most sockets never ping). */
  private pongs: (() => void)[] | null = null;
  /** Called for every `next` message of a subscription (not of one-shot operations). */
  onNext: OnNext = () => {};
  readonly ready: Promise<void>;
  closed = false;

  constructor(url: string, token: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    this.ready = new Promise((resolve, reject) => {
      this.ws.once('open', () => this.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      this.ws.once('error', reject);
      this.ws.once('close', (code, reason) => {
        this.closed = true;
        reject(new Error(`socket closed before ack: ${code} ${reason.toString()}`));
      });
      this.ws.on('message', (raw: Buffer) => {
        const at = performance.now();
        const msg = JSON.parse(raw.toString('utf8')) as WsMessage;
        if (msg.type === 'connection_ack') { resolve(); return; }
        if (msg.type === 'ping') { this.ws.send(JSON.stringify({ type: 'pong' })); return; }
        if (msg.type === 'pong') { this.pongs?.shift()?.(); return; }
        if (msg.type === 'next' && msg.id !== undefined) {
          const payload = msg.payload as { data?: unknown; errors?: unknown };
          if (payload.errors) throw new Error(`subscription error: ${JSON.stringify(payload.errors)}`);
          const once = this.pending.get(msg.id);
          if (once) { this.pending.delete(msg.id); once(payload.data, at); } else this.onNext(msg.id, payload.data, at);
        } else if (msg.type === 'error') {
          throw new Error(`operation error: ${JSON.stringify(msg.payload)}`);
        }
      });
    });
    this.ws.on('close', () => { this.closed = true; });
  }

  /** Starts a subscription; its events go to onNext. Returns the operation id. */
  subscribe(query: string, variables?: Record<string, unknown>): string {
    const id = String(this.nextId++);
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    return id;
  }

  /** A one-shot operation (query) over this socket; resolves with its time of arrival. */
  once(query: string): Promise<{ data: unknown; at: number }> {
    const id = String(this.nextId++);
    return new Promise((resolve) => {
      this.pending.set(id, (data, at) => resolve({ data, at }));
      this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
    });
  }

  /**
   * A graphql-ws ping, resolved by the server's pong. The server sets a subscription up without
   * waiting for I/O, before it reads the socket's next message: once the pong is here, the
   * subscriptions sent before the ping are live.
   */
  roundTrip(): Promise<void> {
    return new Promise((resolve) => {
      (this.pongs ??= []).push(resolve);
      this.ws.send(JSON.stringify({ type: 'ping' }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * Opens `tokens.length` sockets, at most `parallel` handshakes at a time; returns them in order.
 * `url` may name the server per socket (several instances: socket i on instance i mod n).
 */
export async function openSockets(url: string | ((i: number) => string), tokens: readonly string[], parallel: number): Promise<GqlSocket[]> {
  const urlOf = typeof url === 'string' ? () => url : url;
  const sockets: GqlSocket[] = new Array<GqlSocket>(tokens.length);
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const i = next++;
      const token = tokens[i];
      if (token === undefined) break;
      const s = new GqlSocket(urlOf(i), token);
      await s.ready;
      sockets[i] = s;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tokens.length) }, worker));
  return sockets;
}

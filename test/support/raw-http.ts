// Raw TCP clients for the transport tests: the bytes go out exactly as written (fetch and
// http.request normalise a request target or refuse a malformed one), and what comes back is
// kept as text, one character per byte.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** The status line and headers, without the blank line. */
  head: string;
  body: string;
}

export interface TcpConnection {
  socket: Socket;
  /** Everything received so far (latin1: one character per byte). */
  received(): string;
  /** Resolves when the connection is closed, by either side, or reset. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Writes `text` and resolves with the next whole response (its body read by Content-Length). */
  request(text: string): Promise<RawResponse>;
}

/** Splits the first whole response off `text`; null while it is incomplete. A HEAD's response has no body. */
function parseResponse(text: string, head: boolean): { response: RawResponse; rest: string } | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = text.slice(0, end);
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(lines);
  if (!status?.[1]) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 120))}`);
  const length = head ? undefined : /\r\ncontent-length:\s*(\d+)/i.exec(lines)?.[1];
  const bodyEnd = end + 4 + Number(length ?? 0);
  if (text.length < bodyEnd) return null;
  return { response: { status: Number(status[1]), head: lines, body: text.slice(end + 4, bodyEnd) }, rest: text.slice(bodyEnd) };
}

/** Opens a TCP connection to 127.0.0.1:`port` (from `localAddress`, if given) and resolves once it is connected. */
export async function openTcp(port: number, options: { localAddress?: string } = {}): Promise<TcpConnection> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
  socket.setEncoding('latin1');
  let text = '';
  /** Responses already handed to request() callers are cut off `text`; `all` keeps everything. */
  let all = '';
  let isClosed = false;
  const waiters: (() => void)[] = [];
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  socket.on('data', (chunk: string) => { text += chunk; all += chunk; wake(); });
  // A reset (the server destroying a socket with unread bytes) is an ordinary way to be closed here.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => { isClosed = true; wake(); resolve(); });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    closed,
    received: () => all,
    isClosed: () => isClosed,
    async request(request: string) {
      socket.write(request, 'latin1');
      for (;;) {
        const parsed = parseResponse(text, request.startsWith('HEAD '));
        if (parsed) {
          text = parsed.rest;
          return parsed.response;
        }
        if (isClosed) throw new Error(`connection closed before a whole response; received ${JSON.stringify(all.slice(0, 200))}`);
        await new Promise<void>((resolve) => { waiters.push(resolve); });
      }
    },
  };
}

/** Sends `request` on a new connection and resolves with the first response. */
export async function exchange(port: number, request: string): Promise<RawResponse> {
  const connection = await openTcp(port);
  try {
    return await connection.request(request);
  } finally {
    connection.socket.destroy();
  }
}

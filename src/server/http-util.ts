// Small HTTP helpers for the server and its routes: the request target, bounded body reading and
// plain responses.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The request's target as a URL (origin-form `/path?q` or absolute-form `http://host/path`), or
 * null when it is not one. Node's parser passes targets that WHATWG URL refuses, such as
 * `http://x:99999/`, `//[` or `http://[xyz]/`, and `new URL` throws on them.
 */
export function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/**
 * Reads the whole body, refusing (413) anything over `limit` bytes without buffering it. A body
 * that does not arrive in full (the connection closed or timed out) rejects with a 400 HttpError.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `request body over ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // The client closed the connection mid-body, or the server cut it off (HTTP_REQUEST_TIMEOUT_MS):
    // the client's doing, answered (if anyone is left to read it) and not logged as a server error.
    req.on('error', () => reject(new HttpError(400, 'the request body did not arrive in full')));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

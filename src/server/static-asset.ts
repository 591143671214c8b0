// Answers a GET or HEAD for a file held in memory (browser-bundle.ts): gzipped when the browser
// accepts it, 304 when its If-None-Match names the same content.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserAsset } from './browser-bundle.js';

/**
 * `cacheControl` defaults to revalidating on each load ('no-cache'), for a file whose name stays
 * while its content changes; a file whose name carries its hash can be cached for good.
 */
export function sendAsset(req: IncomingMessage, res: ServerResponse, file: BrowserAsset,
  cacheControl = 'no-cache', extraHeaders: Record<string, string> = {}): void {
  const headers: Record<string, string | number> = {
    ...extraHeaders,
    'content-type': file.contentType,
    'cache-control': cacheControl,
    etag: file.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if ((req.headers['if-none-match'] ?? '').split(',').some((tag) => tag.trim() === file.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? file.gzipped : file.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

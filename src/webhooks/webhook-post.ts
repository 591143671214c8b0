// One HTTP POST of a webhook delivery, to the address the URL guard checked (url-guard.ts): the
// request's `lookup` hands the socket that address, whatever the host name resolves to by then.
// No redirect is followed (a 3xx is a failed attempt like any non-2xx), no connection is reused, and
// the answer's body is not read beyond its first bytes: only the status matters.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget } from './url-guard.js';

/** How much of an answer's body is read before the connection is dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** A `lookup` that always answers with the checked address (in the shape asked for: one, or all). */
function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/** POSTs `body`; resolves with the answer's status code, rejects when no answer came (or `signal` aborted). */
export function postWebhook(target: CheckedTarget, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
  const request = target.url.protocol === 'https:' ? https.request : http.request;
  return new Promise<number>((resolve, reject) => {
    const req = request(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinnedLookup(target),
      agent: false,
      signal,
    }, (res) => {
      resolve(res.statusCode ?? 0);
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end(body);
  });
}

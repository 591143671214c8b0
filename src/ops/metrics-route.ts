// GET /metrics for a Prometheus scraper, behind METRICS_TOKEN (Authorization: Bearer <token>).
// Unset, the route does not exist (404 like any unknown path): an instance exposes nothing about
// itself unless its operator asked for it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { sendText } from '../server/http-util.js';
import type { Route } from '../server/route.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export function createMetricsRoute(token: string | null, registry: Registry): Route {
  // Compared as digests of equal length in constant time: the answer tells nothing of the token.
  const expected = token === null ? null : digest(token);
  return async (req, res, url) => {
    if (expected === null || url.pathname !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendText(res, 405, 'method not allowed');
      return true;
    }
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
    if (!m?.[1] || !timingSafeEqual(digest(m[1]), expected)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      sendText(res, 401, 'a valid METRICS_TOKEN bearer token is required');
      return true;
    }
    sendText(res, 200, await registry.metrics(), registry.contentType);
    return true;
  };
}

// POST /inbound/email: a mail server (or a mail provider's inbound webhook) hands over one raw
// RFC 822 message addressed to an agent's forwarding address; it becomes a direct lead for them.
// Authenticated by the shared secret in X-Inbound-Secret; without INBOUND_EMAIL_SECRET the
// endpoint does not exist (404).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, ErrorCode } from '../domain/errors.js';
import { IntakeError, IntakeErrorCode } from '../intake/lead-intake.js';
import type { Services } from '../services/services.js';
import type { Route } from './route.js';
import { readBody, sendJson, sendText } from './http-util.js';
import { refusedByRateLimit } from './rate-limit.js';

/** Lead emails are small; 10 MB allows a forwarded one with its pictures. */
export const MAX_EMAIL_BYTES = 10 * 1024 * 1024;

/** Compares digests, so neither the length nor the content of the secret leaks through timing. */
function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(secret));
}

export function createInboundEmailRoute(services: Services): Route {
  const { config, intake } = services;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== '/inbound/email') return false;
    const secret = config.inboundEmailSecret;
    if (!secret) {
      req.resume();
      sendJson(res, 404, { error: 'inbound email is not enabled (set INBOUND_EMAIL_SECRET)' });
      return true;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendText(res, 405, 'method not allowed');
      return true;
    }
    // Per client address with the intake limiter, before the secret is checked: a wrong secret
    // costs an attempt too, so the secret cannot be guessed at full speed.
    if (refusedByRateLimit(services.limits.intake, req, res, config.trustProxy)) return true;
    if (!secretMatches(req.headers['x-inbound-secret'], secret)) {
      req.resume();
      sendJson(res, 401, { error: 'missing or wrong X-Inbound-Secret' });
      return true;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'message/rfc822') {
      req.resume();
      sendJson(res, 415, { error: 'send the raw message as Content-Type: message/rfc822' });
      return true;
    }
    const raw = await readBody(req, MAX_EMAIL_BYTES);
    try {
      const result = await intake.forwardedEmail(raw);
      sendJson(res, result.created ? 201 : 200, {
        leadId: String(result.leadId), userId: String(result.userId), created: result.created,
      });
    } catch (err) {
      if (err instanceof IntakeError) {
        sendJson(res, err.code === IntakeErrorCode.UNKNOWN_RECIPIENT ? 404 : 422, { error: err.message, code: err.code });
      } else if (err instanceof DomainError && err.code === ErrorCode.BAD_USER_INPUT) {
        sendJson(res, 422, { error: err.message, code: IntakeErrorCode.UNPARSEABLE });
      } else {
        throw err;
      }
    }
    return true;
  };
}

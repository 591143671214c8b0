// The webhook signature: HMAC-SHA256, keyed with the webhook's secret, over "<timestamp>.<raw body>",
// sent as X-Leadrace-Signature: sha256=<hex>. The timestamp (unix seconds, X-Leadrace-Timestamp) is
// inside what is signed, so a receiver that refuses old timestamps bounds how long a captured request
// can be replayed. The README shows the receiver's side.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Whether `signature` is the body's under `secret` (constant time): what a receiver checks. */
export function signatureMatches(secret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(signatureOf(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

// A webhook receiver to copy from: verifies each request's signature and timestamp and prints the
// lead event. Only Node's own modules.
//
//   WEBHOOK_SECRET=<the secret createWebhook returned> PORT=4100 npx tsx scripts/webhook-receiver.ts
//
// Then register http://<this host>:4100/leadrace as a webhook (a local receiver needs the server to
// run with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true). Answers 204 to a verified event, 401 otherwise: any
// non-2xx answer makes leadrace retry (10 s, 1 min, 5 min, 30 min, 2 h), so answer 2xx once the event
// is safely stored, and use the body's "id" (also X-Leadrace-Delivery) to drop a repeat.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('set WEBHOOK_SECRET to the secret createWebhook returned');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 4100);
/** HOST: the address to listen on (default 0.0.0.0, every IPv4 interface). */
const host = process.env.HOST ?? '0.0.0.0';
/** Older signatures are refused: a captured request cannot be replayed after this long. */
const TOLERANCE_SECONDS = 5 * 60;
/** Delivery ids already handled (a real receiver keeps them in its database). */
const seen = new Set<string>();

/** Whether the request is leadrace's: the signature of "<timestamp>.<raw body>" matches, and the timestamp is recent. */
function verified(key: string, timestamp: string, body: string, signature: string): boolean {
  const t = Number(timestamp);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    // Verify the raw bytes as received, before parsing them.
    const body = Buffer.concat(chunks).toString('utf8');
    const timestamp = String(req.headers['x-leadrace-timestamp'] ?? '');
    const signature = String(req.headers['x-leadrace-signature'] ?? '');
    if (req.method !== 'POST' || !verified(secret, timestamp, body, signature)) {
      res.writeHead(401).end('bad signature');
      return;
    }
    const event = JSON.parse(body) as { id: string; type: string; at: string; lead: { id: string; state: string; firstName: string } };
    if (seen.has(event.id)) {
      console.log(`delivery ${event.id} again (a retry of one already handled): ignored`);
    } else {
      seen.add(event.id);
      console.log(`${event.at} ${event.type} lead ${event.lead.id} (${event.lead.firstName}, ${event.lead.state}) delivery ${event.id}`);
    }
    res.writeHead(204).end();
  });
}).listen(port, host, () => console.log(`webhook receiver on http://${host}:${port}/leadrace`));

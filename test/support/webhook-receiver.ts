// A real local HTTP receiver for webhook tests: records every request (headers and raw body) and
// answers as the test says: a status code, or never (the request is held until release()).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed JSON body. */
  json: { id: string; type: string; at: string; agentId: string | null; lead: Record<string, string | null> };
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** The status to answer a request with, or 'hang' to hold it. Default 200. */
  answer: (req: ReceivedWebhook) => number | 'hang';
  /** Answers every held request with 200. */
  release(): void;
  held(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const holding: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hook: ReceivedWebhook = { path: req.url ?? '/', headers: req.headers, body, json: JSON.parse(body) as ReceivedWebhook['json'] };
      received.push(hook);
      const status = receiver.answer(hook);
      if (status === 'hang') {
        holding.push(res);
        return;
      }
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: () => 200,
    release() {
      for (const res of holding.splice(0)) if (!res.destroyed) res.writeHead(200).end('late');
    },
    held: () => holding.filter((r) => !r.destroyed).length,
    async close() {
      receiver.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

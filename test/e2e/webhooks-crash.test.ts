// Webhook deliveries survive a crash: the real server (a child process) is killed with SIGKILL after a
// lead's events have committed, while the first delivery hangs at the receiver and the later two wait
// for it (in order per lead). After a restart every delivery arrives, the hung one again under its
// own delivery id once its lease has run out, and the two never attempted exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS } from '../../src/webhooks/webhook-worker.js';
import { freePort, kill9, killAllChildren, startChild } from '../support/child-server.js';
import { ADMIN_TOKEN, sdkFor } from '../support/server.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

afterAll(killAllChildren);

/** Polls `check` every 50 ms for up to `ms`: for a lease that runs out on the child's real clock. */
async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('a webhook delivery and SIGKILL', () => {
  // The hung delivery is sent again only once its lease (CLAIM_LEASE_MS of real time) has run out.
  it('committed with its event, is delivered after a restart: the never-attempted ones exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-webhook-crash-'));
    const db = join(dir, 'crash.db');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const admin = sdkFor(url, ADMIN_TOKEN);
    const receiver = await startWebhookReceiver();
    const env = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    try {
      let child = await startChild(db, port, env);
      const { createWebhook } = await admin.CreateWebhook({ input: { url: `${receiver.url}/crm` } });
      const { createUser } = await admin.CreateUser({ input: { name: 'Crash Agent', email: 'crash@example.com', role: 'AGENT' } });
      const { createLeadSource } = await admin.CreateLeadSource({ input: { name: 'Own site', allowDirectToUser: true, directToUserAutoAccept: true } });
      receiver.answer = () => 'hang';
      const { submitLead } = await admin.SubmitLead({ input: { sourceId: createLeadSource.id, targetUserId: createUser.id, firstName: 'Crash' } });
      await waitFor(() => receiver.held() === 1, 'the held CREATED delivery', 10_000);
      const [held] = receiver.received;
      expect(held?.json).toMatchObject({ type: 'CREATED', lead: { id: submitLead.id } });

      await kill9(child);
      receiver.answer = () => 200;
      receiver.release();
      child = await startChild(db, port, env);
      await waitFor(() => receiver.received.length === 4, 'the three deliveries after the restart', CLAIM_LEASE_MS + 20_000);
      const { webhooks } = await admin.WebhookDeliveries({ first: 10 });
      const deliveries = webhooks.find((w) => w.id === createWebhook.id)?.deliveries ?? [];
      await waitFor(async () => {
        const again = await admin.WebhookDeliveries({ first: 10 });
        return (again.webhooks[0]?.deliveries ?? []).every((d) => d.status === 'DELIVERED');
      }, 'every delivery DELIVERED', 10_000);
      expect(deliveries.map((d) => d.eventType).reverse()).toEqual(['CREATED', 'ACCEPTED', 'ASSIGNED']);
      const got = receiver.received.map((r) => [r.json.type, r.headers['x-leadrace-delivery']]);
      const idOf = (type: string) => deliveries.find((d) => d.eventType === type)?.id;
      expect(got).toEqual([
        ['CREATED', idOf('CREATED')], ['CREATED', idOf('CREATED')], ['ACCEPTED', idOf('ACCEPTED')], ['ASSIGNED', idOf('ASSIGNED')],
      ]);
      const final = (await admin.WebhookDeliveries({ first: 10 })).webhooks[0]?.deliveries ?? [];
      expect(final.map((d) => [d.eventType, d.status, d.attempts]).reverse())
        .toEqual([['CREATED', 'DELIVERED', 2], ['ACCEPTED', 'DELIVERED', 1], ['ASSIGNED', 'DELIVERED', 1]]);
      await kill9(child);
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, CLAIM_LEASE_MS + 60_000);
});

// Webhooks across instances (PostgreSQL + Redis, two real server processes): a webhook registered on
// one instance is heard of by the other (the 'webhooks' signal drops its cached list), leads coming in
// on both reach the receiver, each delivery once, processed by one instance; deleting the webhook on
// one instance stops deliveries written on the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllChildren } from '../support/child-server.js';
import { clusterAvailable, createClusterAgents, startCluster, type Cluster } from '../support/cluster.js';
import { until } from '../support/until.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const available = await clusterAvailable();

describe.skipIf(!available)('webhooks on two instances', () => {
  let cluster: Cluster;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    cluster = await startCluster({ instances: 2, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    await receiver?.close();
    killAllChildren();
  });

  it('deliver every event once, whichever instance wrote it; a deleted webhook gets nothing more from either', async () => {
    const [a, b] = cluster.instances;
    if (!a || !b) throw new Error('two instances expected');
    const { createOffice } = await a.admin.CreateOffice({ name: 'Cluster webhooks' });
    const [agent] = await createClusterAgents(a, 1, { officeIds: [createOffice.id] });
    if (!agent) throw new Error('no agent');
    const { createLeadSource } = await a.admin.CreateLeadSource({ input: { name: 'Own site', allowDirectToUser: true, directToUserAutoAccept: true } });
    // B has routed (and cached "no webhooks") before the webhook exists.
    await b.admin.SubmitLead({ input: { sourceId: createLeadSource.id, targetUserId: agent.id, firstName: 'Before' } });

    const { createWebhook } = await a.admin.CreateWebhook({ input: { url: `${receiver.url}/cluster`, eventTypes: ['CREATED' as never] } });
    // B hears of it (its cached list was dropped by the signal).
    await until(() => b.admin.Webhooks(), (r) => r.webhooks.some((w) => w.id === createWebhook.id), 'B to list the webhook');

    const leads: string[] = [];
    for (let i = 0; i < 20; i++) {
      const via = i % 2 === 0 ? a : b;
      leads.push((await via.admin.SubmitLead({ input: { sourceId: createLeadSource.id, targetUserId: agent.id, firstName: `Lead ${i}` } })).submitLead.id);
    }
    await until(() => receiver.received.length, (n) => n >= 20, 'twenty deliveries');
    await until(async () => (await a.admin.WebhookDeliveries({ first: 100 })).webhooks[0]?.deliveries ?? [],
      (ds) => ds.length === 20 && ds.every((d) => d.status === 'DELIVERED'), 'twenty DELIVERED');
    // Once each: no delivery id twice, and exactly the twenty leads.
    const ids = receiver.received.map((r) => r.headers['x-leadrace-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.received.map((r) => r.json.lead.id).sort()).toEqual([...leads].sort());
    const rows = await cluster.query<{ attempts: number }>('SELECT attempts FROM webhook_deliveries');
    expect(rows.map((r) => r.attempts)).toEqual(Array(20).fill(1));

    // Deleted on B: leads on A write no delivery once A has heard of it.
    expect(await b.admin.DeleteWebhook({ id: createWebhook.id })).toEqual({ deleteWebhook: true });
    await until(() => a.admin.Webhooks(), (r) => r.webhooks.length === 0, 'A to drop the webhook');
    await a.admin.SubmitLead({ input: { sourceId: createLeadSource.id, targetUserId: agent.id, firstName: 'After' } });
    expect(await cluster.query('SELECT id FROM webhook_deliveries')).toEqual([]);
    expect(receiver.received).toHaveLength(20);
  }, 120_000);
});

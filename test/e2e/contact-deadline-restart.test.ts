// The contact deadline is a row (leads.contact_due_at), not a timer: one that passes while the server
// is down (killed with -9, no shutdown code) is processed on the next start, once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, kill9, killAllChildren, startChild } from '../support/child-server.js';
import { ADMIN_TOKEN, sdkFor } from '../support/server.js';

afterAll(killAllChildren);

describe('kill -9 with a contact deadline running', () => {
  it('the deadline that passed while the server was down reclaims the lead once after the restart', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-contact-kill-'));
    const db = join(dir, 'kill.db');
    const port = await freePort();
    try {
      let child = await startChild(db, port);
      const url = `http://127.0.0.1:${port}`;
      const admin = sdkFor(url, ADMIN_TOKEN);
      const o = (await admin.CreateOffice({ name: 'Elgin' })).createOffice.id;
      const agents: { id: string; sdk: ReturnType<typeof sdkFor> }[] = [];
      for (let i = 0; i < 2; i++) {
        const u = (await admin.CreateUser({ input: { name: `C${i}`, email: `c${i}@example.com`, role: 'AGENT', officeIds: [o] } })).createUser;
        agents.push({ id: u.id, sdk: sdkFor(url, (await admin.IssueApiToken({ userId: u.id })).issueApiToken.token) });
      }
      // Real time here: the shortest deadline that leaves the accept and the kill comfortably inside it.
      const src = (await admin.CreateLeadSource({
        input: { name: 'Kill', officeIds: [o], acceptanceWindowSeconds: 600, raceAgentCount: 1, contactDeadlineSeconds: 3 },
      })).createLeadSource;
      const lead = (await admin.SubmitLead({ input: { sourceId: src.id, firstName: 'Dee' } })).submitLead;
      let winner: (typeof agents)[number] | undefined;
      for (const a of agents) {
        const offer = (await a.sdk.MyOffers()).myOffers.find((x) => x.lead.id === lead.id);
        if (offer) {
          await a.sdk.AcceptOffer({ offerId: offer.id });
          winner = a;
        }
      }
      if (!winner) throw new Error('nobody was offered the lead');
      const acceptedAt = Date.now();
      expect((await admin.Lead({ id: lead.id })).lead).toMatchObject({ state: 'ASSIGNED', owner: { id: winner.id } });

      await kill9(child);
      const killedAt = Date.now();
      // Stay down past the deadline, so it passes with nobody running.
      await new Promise((r) => setTimeout(r, Math.max(0, acceptedAt + 3000 - Date.now()) + 300));
      child = await startChild(db, port);

      const after = (await admin.Lead({ id: lead.id })).lead;
      expect(after.events.filter((e) => e.type === 'RECLAIMED')).toHaveLength(1);
      const reclaimedAt = new Date(after.events.find((e) => e.type === 'RECLAIMED')?.at ?? 0).getTime();
      // Processed by the restarted server, not before the kill.
      expect(reclaimedAt).toBeGreaterThan(killedAt);
      expect(after.state).toBe('ROUTING');
      const round2 = after.offers.filter((x) => x.round === 2);
      expect(round2.map((x) => x.agent.id)).toEqual([agents.find((a) => a !== winner)?.id]);
      // A second restart finds nothing left to do: still one reclaim.
      await kill9(child);
      child = await startChild(db, port);
      expect((await admin.Lead({ id: lead.id })).lead.events.filter((e) => e.type === 'RECLAIMED')).toHaveLength(1);
      await kill9(child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

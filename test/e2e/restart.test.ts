// Durable deadlines and crash safety: offer windows are rows, not timers. A window that closes
// while the server is down is processed on the next start; an acknowledged lead, accept or decline
// survives kill -9.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, kill9, killAllChildren, startChild } from '../support/child-server.js';
import { ManualClock } from '../../src/time/clock.js';
import { createAgents, createSource } from '../support/brokerage.js';
import { ADMIN_TOKEN, sdkFor, startTestServer } from '../support/server.js';

afterAll(killAllChildren);

describe('restart with an open window (injected clock)', () => {
  it('a window that closed while the server was down is expired on start and the lead moves on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-restart-'));
    const clock = new ManualClock();
    try {
      const first = await startTestServer({ clock, dir });
      const o = (await first.admin.CreateOffice({ name: 'Lakeway' })).createOffice.id;
      const [a, b] = await createAgents(first, 2, { officeIds: [o] });
      const source = await createSource(first, { officeIds: [o], acceptanceWindowSeconds: 600 });
      const { submitLead } = await first.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Uma' } });
      const offeredAt = clock.now();
      await first.close();

      await clock.advance(601_000); // the window closes while nobody is running
      expect(clock.pendingTimers).toBe(0);

      const second = await startTestServer({ clock, dir });
      try {
        const { lead } = await second.admin.Lead({ id: submitLead.id });
        expect(lead.offers.map((x) => [x.agent.id, x.state, x.round])).toEqual([[a.id, 'EXPIRED', 1], [b.id, 'PENDING', 2]]);
        // The expiry happened at the restart, after the deadline; the new window starts then.
        expect(new Date(lead.offers[1]?.offeredAt ?? 0).getTime()).toBe(offeredAt + 601_000);
        expect(new Date(lead.offers[1]?.expiresAt ?? 0).getTime()).toBe(offeredAt + 601_000 + 600_000);
        // And the remaining window is armed: it expires on time without another restart.
        await clock.advance(600_000);
        expect((await second.admin.Lead({ id: submitLead.id })).lead.state).toBe('UNASSIGNED');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------------------------------------
// kill -9 of the real process

describe('kill -9', () => {
  it('loses no acknowledged lead, accept or decline, and processes the overdue window on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-kill-'));
    const db = join(dir, 'kill.db');
    try {
      const port = await freePort();
      let child = await startChild(db, port);
      const url = `http://127.0.0.1:${port}`;
      const admin = sdkFor(url, ADMIN_TOKEN);
      const o = (await admin.CreateOffice({ name: 'Bastrop' })).createOffice.id;
      const agents: { id: string; sdk: ReturnType<typeof sdkFor> }[] = [];
      for (let i = 0; i < 3; i++) {
        const u = (await admin.CreateUser({ input: { name: `K${i}`, email: `k${i}@example.com`, role: 'AGENT', officeIds: [o] } })).createUser;
        agents.push({ id: u.id, sdk: sdkFor(url, (await admin.IssueApiToken({ userId: u.id })).issueApiToken.token) });
      }
      const [a, b, c] = agents;
      if (!a || !b || !c) throw new Error('agents');
      // A long window for the answered leads (a slow machine must not close them first), and the
      // shortest the API allows (1 s) for the one left open across the crash.
      const slow = (await admin.CreateLeadSource({ input: { name: 'Slow', officeIds: [o], acceptanceWindowSeconds: 600, raceAgentCount: 1 } })).createLeadSource;
      const src = (await admin.CreateLeadSource({ input: { name: 'Kill', officeIds: [o], acceptanceWindowSeconds: 1, raceAgentCount: 1 } })).createLeadSource;

      const accepted = (await admin.SubmitLead({ input: { sourceId: slow.id, firstName: 'Acc' } })).submitLead;
      const acceptOffer = (await a.sdk.MyOffers()).myOffers.find((x) => x.lead.id === accepted.id);
      await a.sdk.AcceptOffer({ offerId: acceptOffer?.id ?? '' });
      const declined = (await admin.SubmitLead({ input: { sourceId: slow.id, firstName: 'Dec' } })).submitLead;
      const declineOffer = (await b.sdk.MyOffers()).myOffers.find((x) => x.lead.id === declined.id);
      await b.sdk.DeclineOffer({ offerId: declineOffer?.id ?? '' });
      const open = (await admin.SubmitLead({ input: { sourceId: src.id, firstName: 'Open' } })).submitLead;
      const before = (await admin.Lead({ id: open.id })).lead.offers;
      expect(before.map((x) => x.state)).toEqual(['PENDING']);
      const deadline = new Date(before[0]?.expiresAt ?? 0).getTime();

      await kill9(child); // the moment after the answers
      // Stay down past the deadline, so the window closes with nobody running.
      await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()) + 200));
      child = await startChild(db, port);
      const restartedAt = Date.now();

      expect((await admin.Lead({ id: accepted.id })).lead).toMatchObject({ state: 'ASSIGNED', owner: { id: a.id } });
      const d = (await admin.Lead({ id: declined.id })).lead;
      expect(d.offers.find((x) => x.agent.id === b.id)?.state).toBe('DECLINED');
      const after = (await admin.Lead({ id: open.id })).lead;
      expect(after.offers[0]?.state).toBe('EXPIRED');
      // The next round was started by the restart, not before the deadline.
      const second = after.offers[1];
      expect(second?.round).toBe(2);
      expect(new Date(second?.offeredAt ?? 0).getTime()).toBeGreaterThanOrEqual(deadline);
      expect(new Date(second?.offeredAt ?? 0).getTime()).toBeLessThanOrEqual(restartedAt);
      for (const id of [accepted.id, declined.id, open.id]) {
        const owners = (await admin.Lead({ id })).lead.offers.filter((x) => x.state === 'ACCEPTED');
        expect(owners.length).toBeLessThanOrEqual(1);
      }
      await kill9(child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

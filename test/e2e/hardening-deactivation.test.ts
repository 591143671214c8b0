// Deactivating a user ends their live connections at once: their WebSockets are closed with 4403
// (a socket already open would otherwise keep receiving offers and lead events).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsCloseCode } from '../../src/server/ws-limits.js';
import { openRaw, startHardenedServer, type HardenedServer } from '../support/hardening.js';

let t: HardenedServer;
beforeAll(async () => { t = await startHardenedServer(); });
afterAll(async () => { await t.close(); });

async function newAgent(n: number): Promise<{ id: string; token: string }> {
  const { createUser } = await t.admin.CreateUser({ input: { name: `Deact ${n}`, email: `deact${n}@example.com`, role: 'AGENT' } });
  return { id: createUser.id, token: (await t.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token };
}

describe('deactivated users', () => {
  it("setting active=false closes every open socket of that user with 4403, and nobody else's", async () => {
    const [gone, stays] = [await newAgent(1), await newAgent(2)];
    const first = await openRaw(t.wsUrl, gone.token);
    const second = await openRaw(t.wsUrl, gone.token);
    const other = await openRaw(t.wsUrl, stays.token);
    first.subscribe('1', 'subscription { offers { type } }');
    await t.admin.UpdateUser({ id: gone.id, input: { active: false } });
    expect(await first.closed).toEqual({ code: WsCloseCode.Forbidden, reason: 'the user was deactivated' });
    expect(await second.closed).toEqual({ code: WsCloseCode.Forbidden, reason: 'the user was deactivated' });
    // The other agent's socket still answers.
    other.subscribe('q', '{ me { id } }');
    expect(await other.waitFor((m) => m.id === 'q' && m.type === 'next', 'me')).toMatchObject({ payload: { data: { me: { id: stays.id } } } });
    // And the deactivated user cannot come back on a new socket.
    const again = await openRaw(t.wsUrl, gone.token);
    expect((await again.closed).code).toBe(WsCloseCode.Forbidden);
    other.socket.close(1000);
  });

  it('an update that does not deactivate leaves the sockets open', async () => {
    const agent = await newAgent(3);
    const c = await openRaw(t.wsUrl, agent.token);
    await t.admin.UpdateUser({ id: agent.id, input: { name: 'Renamed', active: true } });
    c.subscribe('q', '{ me { name } }');
    expect(await c.waitFor((m) => m.id === 'q' && m.type === 'next', 'me')).toMatchObject({ payload: { data: { me: { name: 'Renamed' } } } });
    c.socket.close(1000);
  });
});

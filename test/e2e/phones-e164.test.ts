// Issue 18: one person, one number. Phones of users and leads are parsed with libphonenumber-js and
// stored, shown and texted in E.164; a number written without its country gets DEFAULT_PHONE_REGION's.
// Phones stored before (bare digits) are rewritten when the server starts.
import { afterEach, describe, expect, it } from 'vitest';
import { createSource } from '../support/brokerage.js';
import { ADMIN_TOKEN, graphqlError, startTestServer, type TestServer } from '../support/server.js';
import { withServerSql } from '../support/server-sql.js';

const servers: TestServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });
/** A user's phone as the API shows it (the SDK's operations do not select it). */
async function userPhone(t: TestServer, id: string): Promise<string | null | undefined> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query: '{ users { id phone } }' }),
  });
  const body = await res.json() as { data: { users: { id: string; phone: string | null }[] } };
  return body.data.users.find((u) => u.id === id)?.phone;
}

async function start(opts: Parameters<typeof startTestServer>[0] = {}) {
  const t = await startTestServer(opts);
  servers.push(t);
  return t;
}

describe('phones in E.164', () => {
  it("the same number written two ways is one number, for users and leads, and the agent's SMS goes to it", async () => {
    const t = await start();
    const { createUser: agent } = await t.admin.CreateUser({ input: { name: 'Ana Phones', email: 'ana.phones@example.com', phone: '(512) 555-0143', role: 'AGENT' } });
    expect(agent.phone).toBe('+15125550143');
    await t.admin.UpdateUser({ id: agent.id, input: { phone: '+1 512 555 0143' } });
    expect(await userPhone(t, agent.id)).toBe('+15125550143');

    const source = await createSource(t);
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Pat', phone: '737.555.0188' } });
    const { lead } = await t.admin.Lead({ id: submitLead.id });
    expect(lead.phone).toBe('+17375550188');
    // The offer's SMS is addressed in E.164, the form an SMS provider accepts.
    await t.server.services.notifications.idle();
    const { notifications } = await t.admin.Notifications({ leadId: submitLead.id });
    expect(notifications.filter((n) => n.channel === 'sms').map((n) => n.to)).toEqual(['+15125550143']);
  });

  it('a number without a country gets DEFAULT_PHONE_REGION\'s; one with a "+" keeps its own', async () => {
    const t = await start({ env: { DEFAULT_PHONE_REGION: 'GB' } });
    const source = await createSource(t);
    const phoneOf = async (phone: string) => {
      const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Pat', phone } });
      return (await t.admin.Lead({ id: submitLead.id })).lead.phone;
    };
    expect(await phoneOf('020 7946 0958')).toBe('+442079460958');
    expect(await phoneOf('+1 (512) 555-0143')).toBe('+15125550143');
  });

  it('a number that is not possible in its country is refused, naming the field', async () => {
    const t = await start();
    const source = await createSource(t);
    for (const phone of ['555 1234', '+1 512 555 0143 9999', 'call me after 5']) {
      expect(await graphqlError(t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Pat', phone } })))
        .toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });
    }
  });

  it('phones stored before E.164 are rewritten at start with the region; unreadable ones are left as they were', async () => {
    const first = await start();
    const dir = first.dir;
    const { createUser: agent } = await first.admin.CreateUser({ input: { name: 'Old Phone', email: 'old.phone@example.com', phone: '+15125550100', role: 'AGENT' } });
    const source = await createSource(first);
    const ids: string[] = [];
    for (const phone of ['+15125550111', '+15125550122', '+442079460958']) {
      ids.push((await first.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Old', phone } })).submitLead.id);
    }
    await first.server.close();
    servers.splice(servers.indexOf(first), 1);
    // What the old code stored: bare digits for numbers typed without "+", and text it could not read.
    await withServerSql(first.config.database, async (db) => {
      expect(await db.run('UPDATE users SET phone = ? WHERE id = ?', ['5125550100', Number(agent.id)])).toBe(1);
      expect(await db.run('UPDATE leads SET phone = ? WHERE id = ?', ['(512) 555-0111', Number(ids[0])])).toBe(1);
      expect(await db.run('UPDATE leads SET phone = ? WHERE id = ?', ['12', Number(ids[1])])).toBe(1);
    });

    const again = await start({ dir });
    expect(await userPhone(again, agent.id)).toBe('+15125550100');
    const phones = await Promise.all(ids.map(async (id) => (await again.admin.Lead({ id })).lead.phone));
    expect(phones).toEqual(['+15125550111', '12', '+442079460958']);
  });
});

// Issue 18: a lead's price (the listing's, in whole units of its currency), given through submitLead
// over the real server, kept, validated, and shown to who may see the property's area (the
// authorization matrix checks who sees it; the portal corpus checks the prices portals' emails give).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../support/brokerage.js';
import { graphqlError, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

describe('Lead.price through submitLead', () => {
  it('a whole number of currency units is kept and read back; not given, it is null', async () => {
    const source = await createSource(t);
    const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Mara', price: 615000 } });
    expect((await t.admin.LeadPrice({ id: submitLead.id })).lead).toEqual({ id: submitLead.id, price: 615000 });
    const plain = await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Noor' } });
    expect((await t.admin.LeadPrice({ id: plain.submitLead.id })).lead).toEqual({ id: plain.submitLead.id, price: null });
  });

  it('a price below 1 or above 2000000000 is BAD_USER_INPUT on price, and makes no lead', async () => {
    const source = await createSource(t);
    for (const price of [0, -5, 2_000_000_001]) {
      expect(await graphqlError(t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Olek', price } })), String(price))
        .toMatchObject({ code: 'BAD_USER_INPUT', field: 'price' });
    }
    const { leadStats } = await t.admin.LeadStats();
    expect(leadStats.bySource.find((s) => s.source.name === source.name)).toBeUndefined();
  });
});

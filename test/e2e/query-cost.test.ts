// The cost limit with the request's own variables, over HTTP and WebSocket: a realistic admin screen
// is answered and says what it cost; a tree sized by a variable and fifty aliased searches are refused
// with QUERY_TOO_COMPLEX and their true cost, before anything runs.
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/graphql/schema.js';
import { MAX_QUERY_COST, operationCost } from '../../src/graphql/query-cost.js';
import { ManualClock } from '../../src/time/clock.js';
import { createAgents, createSource, type TestAgent } from '../support/brokerage.js';
import { openRaw, type RawClient } from '../support/hardening.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
let agent: TestAgent;
const clock = new ManualClock();

beforeAll(async () => {
  t = await startTestServer({ clock });
  const [a, b] = await createAgents(t, 2);
  agent = a;
  // A few leads with offers and events: one raced to both agents, one direct to the first.
  const source = (await createSource(t, { raceAgentCount: 2 })).id;
  const { submitLead } = await t.admin.SubmitLead({ input: { sourceId: source, firstName: 'Dana', email: 'dana@example.com' } });
  const { lead } = await t.admin.Lead({ id: submitLead.id });
  const offer = lead.offers.find((o) => o.agent.id === b.id);
  if (offer) await b.sdk.AcceptOffer({ offerId: offer.id });
  await t.admin.SubmitLead({ input: { sourceId: source, targetUserId: a.id, firstName: 'Ole', email: 'ole@example.com' } });
});
afterAll(async () => { await t.close(); });

interface Answer { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> }

async function post(query: string, variables: Record<string, unknown> = {}, token = ADMIN_TOKEN): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

/** The cost the model computes for a document's only operation, with these variables. */
function computed(query: string, variables: Record<string, unknown> = {}): number {
  const doc = parse(query);
  const operation = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation');
  const fragments = new Map(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const cost = operationCost(getSchema(), operation, (n) => fragments.get(n), variables);
  if (cost === null) throw new Error('variables do not coerce');
  return cost;
}

/** The admin screen of issue 14: a page of leads, each with its offers (state, agent's name) and events. */
const SCREEN = `query Screen($n: Int) { leads(first: $n) {
  edges { node { id firstName lastName email state createdAt source { name } owner { name } status { name }
    offers { state agent { name } } events { type at agent { name } } } }
  pageInfo { hasNextPage endCursor } } }`;

/** Pages of leads, each offer's lead's events' lead's offers: hundreds of thousands of objects at 100 a page. */
const TREE = 'query Tree($n: Int) { leads(first: $n) { edges { node { offers { lead { events { lead { offers { id } } } } } } } } }';

const SEARCHES = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: leads(first: 20, filter: { search: "example" }) { edges { node { id firstName } } }`).join(' ')} }`;

describe('over HTTP', () => {
  it('the admin screen of 100 leads with their offers and events is answered, and reports its cost and the limit', async () => {
    for (const [query, variables] of [[SCREEN, { n: 100 }], [SCREEN.replace('$n: Int', '$n: Int = 100'), {}], [SCREEN.replace('($n: Int)', '').replace('first: $n', 'first: 100'), {}]] as const) {
      const { status, body } = await post(query, variables);
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      expect((body.data?.leads as { edges: unknown[] }).edges).toHaveLength(2);
      expect(body.extensions).toEqual({ cost: { actual: computed(query, variables), limit: MAX_QUERY_COST } });
    }
    expect(computed(SCREEN, { n: 100 })).toBeGreaterThan(5000);
  });

  it('a tree sized by a variable (or its default, or through a fragment) is refused with 400, QUERY_TOO_COMPLEX and its true cost; a small page runs', async () => {
    const refused = await post(TREE, { n: 100 });
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    const actual = computed(TREE, { n: 100 });
    expect(actual).toBeGreaterThan(250_000);
    expect(refused.body.errors).toEqual([expect.objectContaining({
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: MAX_QUERY_COST, actual },
    })]);
    // The same with the size in the variable's default, and in a fragment.
    expect((await post(TREE.replace('$n: Int', '$n: Int = 100'))).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const viaFragment = 'query($n: Int) { leads(first: $n) { ...Page } } fragment Page on LeadConnection { edges { node { offers { lead { events { lead { offers { id } } } } } } } }';
    expect((await post(viaFragment, { n: 100 })).body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', actual: computed(viaFragment, { n: 100 }) });
    const small = await post(TREE, { n: 2 });
    expect(small.body.errors).toBeUndefined();
    expect(small.body.extensions).toEqual({ cost: { actual: computed(TREE, { n: 2 }), limit: MAX_QUERY_COST } });
  });

  it("fifty aliased searches by an agent are refused before any runs; one search runs and finds the agent's lead", async () => {
    const fifty = await post(SEARCHES(50), {}, agent.token);
    expect(fifty.status).toBe(400);
    expect(fifty.body.errors).toEqual([expect.objectContaining({
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: MAX_QUERY_COST, actual: computed(SEARCHES(50)) },
    })]);
    const one = await post(SEARCHES(1), {}, agent.token);
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data).toEqual({ s0: { edges: [{ node: { id: expect.any(String), firstName: 'Ole' } }] } });
  });
});

describe('over WebSocket', () => {
  let c: RawClient;
  beforeAll(async () => { c = await openRaw(t.wsUrl, ADMIN_TOKEN); });
  afterAll(async () => {
    c.socket.close(1000);
    await c.closed;
  });

  it('the admin screen of 100 leads is answered; the same document sized 100 by a variable as a tree is refused with its true cost', async () => {
    c.subscribe('screen', SCREEN, { n: 100 });
    const screen = await c.waitFor((m) => m.id === 'screen' && m.type !== 'complete', 'the screen');
    expect(screen).toMatchObject({ type: 'next', payload: { data: { leads: { edges: expect.any(Array) } } } });
    expect((screen.payload as Answer).errors).toBeUndefined();

    c.subscribe('tree', TREE, { n: 100 });
    const tree = await c.waitFor((m) => m.id === 'tree', 'the tree refused');
    expect(tree).toEqual({ type: 'error', id: 'tree', payload: [expect.objectContaining({
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: MAX_QUERY_COST, actual: computed(TREE, { n: 100 }) },
    })] });
    // The same document again (now a cached one) with a small page runs.
    c.subscribe('tree-small', TREE, { n: 2 });
    expect(await c.waitFor((m) => m.id === 'tree-small' && m.type !== 'complete', 'a small tree'))
      .toMatchObject({ type: 'next', payload: { data: { leads: expect.any(Object) } } });
  });

  it('fifty aliased searches are refused; the socket stays usable', async () => {
    c.subscribe('searches', SEARCHES(50));
    expect(await c.waitFor((m) => m.id === 'searches', 'searches refused')).toMatchObject({
      type: 'error', payload: [{ extensions: { code: 'QUERY_TOO_COMPLEX', limit: MAX_QUERY_COST, actual: computed(SEARCHES(50)) } }],
    });
    c.subscribe('me', '{ me { role } }');
    expect(await c.waitFor((m) => m.id === 'me' && m.type === 'next', 'me')).toMatchObject({ payload: { data: { me: { role: 'ADMIN' } } } });
  });
});

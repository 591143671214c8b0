// Arguments past their bounds are the caller's bad input, named by field, and nothing runs: lists
// (40,000 officeIds were an internal error), strings, a search holding a NUL or another control
// character (an internal error from the trigram index: "unterminated string"), and a NUL in any
// string (an internal error on PostgreSQL, whose text cannot hold one). Over HTTP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgents, type TestAgent } from '../support/brokerage.js';
import { openRaw } from '../support/hardening.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
let agent: TestAgent;
let source: { id: string; publicKey: string | null };
beforeAll(async () => {
  t = await startTestServer({ env: { NODE_ENV: 'production' } });
  [agent] = await createAgents(t, 1);
  source = (await t.admin.CreateLeadSource({ input: { name: 'Site' } })).createLeadSource;
  await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.com' } });
});
afterAll(async () => { await t.close(); });

interface Answer { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }

/** A POST /graphql with `token`, or none (null). */
async function post(query: string, variables: Record<string, unknown> = {}, token: string | null = ADMIN_TOKEN): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
/** An office created in the same request before the oversized user: it must not be created either. */
const CREATE = `mutation($office: String!, $input: CreateUserInput!) {
  office: createOffice(input: { name: $office }) { id }
  user: createUser(input: $input) { id } }`;
const userInput = (officeIds: string[]) => ({ name: 'Many Offices', email: 'many@example.com', role: 'AGENT', officeIds });
const officeNames = async () => (await t.admin.Offices()).offices.map((o) => o.name);

describe('list bounds', () => {
  it('createUser with 40,000 officeIds is BAD_USER_INPUT on officeIds (in production too), and nothing in the request runs', async () => {
    const { status, body } = await post(CREATE, { office: 'Before the user', input: userInput(ids(40_000)) });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{
      message: 'officeIds: at most 100 items, got 40000',
      locations: expect.any(Array),
      extensions: { code: 'BAD_USER_INPUT', field: 'officeIds' },
    }]);
    expect(await officeNames()).not.toContain('Before the user');
  });

  it('the same list in a literal is refused the same way; 100 officeIds reach the service, which checks each', async () => {
    const literal = `mutation { updateUser(id: "${agent.id}", input: { officeIds: [${ids(101).map((i) => `"${i}"`).join(', ')}] }) { id } }`;
    expect((await post(literal)).body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'officeIds' });
    const hundred = await post(CREATE, { office: 'With the user', input: userInput(ids(100)) });
    // Past the bound check: the service names the offices that do not exist.
    expect(hundred.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'officeIds' });
    expect(hundred.body.errors?.[0]?.message).toMatch(/unknown office id/);
  });

  it('over WebSocket the same request is refused with the same error, and the socket stays usable', async () => {
    const c = await openRaw(t.wsUrl, ADMIN_TOKEN);
    c.subscribe('big', CREATE, { office: 'Over the socket', input: userInput(ids(40_000)) });
    expect(await c.waitFor((m) => m.id === 'big', 'refused')).toEqual({
      type: 'error', id: 'big',
      payload: [{ message: 'officeIds: at most 100 items, got 40000', locations: expect.any(Array), extensions: { code: 'BAD_USER_INPUT', field: 'officeIds' } }],
    });
    c.subscribe('tags', 'mutation($t: [ID!]!) { setUserTags(userId: "1", tagIds: $t) { id } }', { t: ids(5000) });
    expect(await c.waitFor((m) => m.id === 'tags', 'tags refused'))
      .toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT', field: 'tagIds' } }] });
    c.subscribe('me', '{ me { role } }');
    expect(await c.waitFor((m) => m.id === 'me' && m.type === 'next', 'me')).toMatchObject({ payload: { data: { me: { role: 'ADMIN' } } } });
    c.socket.close(1000);
    await c.closed;
    expect(await officeNames()).not.toContain('Over the socket');
  });
});

describe('search text', () => {
  const LEADS = 'query($q: String) { leads(filter: { search: $q }) { totalCount edges { node { firstName } } } }';

  it('a search holding a NUL or another control character is BAD_USER_INPUT on search, for an admin and an agent', async () => {
    for (const q of ['rey\u0000es', 'dana\u0000', '\u0000\u0000\u0000', 'da\u0001na', 'dana\treyes', 'dana\nreyes', 'rey\u007fes']) {
      for (const token of [ADMIN_TOKEN, agent.token]) {
        const { body } = await post(LEADS, { q }, token);
        expect(body.errors?.map((e) => e.extensions), JSON.stringify(q)).toEqual([{ code: 'BAD_USER_INPUT', field: 'search' }]);
        // A NUL is refused before the search is looked at, as in any other string (below).
        expect(body.errors?.[0]?.message).toMatch(q.includes('\u0000') ? /^search: must not contain the NUL character/ : /^search: must not contain control characters/);
      }
    }
  });

  it('other unusual text is just text: no error, and what matches is found', async () => {
    const found = async (q: string) => (await post(LEADS, { q })).body;
    expect(await found('REYES')).toEqual({ data: { leads: { totalCount: 1, edges: [{ node: { firstName: 'Dana' } }] } }, extensions: expect.any(Object) });
    for (const q of ['"reyes', "re'yes", '\u00a0reyes', '\ud800rey', 'rey\u200bes', 'NEAR(a b)', '*', '%_%']) {
      const body = await found(q);
      expect(body.errors, JSON.stringify(q)).toBeUndefined();
    }
  });
});

describe('the NUL character', () => {
  const SUBMIT = 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id } }';
  const leadCount = async () => (await t.admin.Leads({})).leads.totalCount;

  it('in any string argument is BAD_USER_INPUT naming the field, on either store: text to store and text to look up alike', async () => {
    const leadsBefore = await leadCount();
    const cases: { field: string; query: string; variables: Record<string, unknown>; token?: string | null }[] = [
      { field: 'firstName', query: SUBMIT, variables: { input: { sourceId: source.id, firstName: 'Nul\u0000' } } },
      { field: 'message', query: SUBMIT, variables: { input: { sourceId: source.id, firstName: 'Nul', message: 'see\u0000you' } } },
      { field: 'name', query: 'mutation($name: String!) { createOffice(input: { name: $name }) { id } }', variables: { name: 'Nul office\u0000' } },
      { field: 'email', query: CREATE, variables: { office: 'Nul user office', input: { name: 'Nul User', email: 'nul\u0000@example.com', role: 'AGENT' } } },
      // Lookups, by anyone: a source key on the public submitLead, an email on login.
      { field: 'sourceKey', query: SUBMIT, variables: { input: { sourceKey: `${source.publicKey ?? ''}\u0000`, firstName: 'Nul' } }, token: null },
      { field: 'email', query: 'mutation($e: String!) { login(email: $e, password: "whatever-it-is") { token } }', variables: { e: 'dana\u0000@example.com' }, token: null },
    ];
    for (const { field, query, variables, token } of cases) {
      const { status, body } = await post(query, variables, token === undefined ? ADMIN_TOKEN : token);
      expect(status, field).toBe(400);
      expect(body.errors?.map((e) => [e.message, e.extensions]), field).toEqual([[`${field}: must not contain the NUL character (U+0000)`, { code: 'BAD_USER_INPUT', field }]]);
    }
    expect(await leadCount()).toBe(leadsBefore);
    expect(await officeNames()).not.toContain('Nul user office');
    expect((await officeNames()).some((name) => name.startsWith('Nul office'))).toBe(false);
  });
});

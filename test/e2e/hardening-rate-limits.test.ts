// Abuse limits over the real server: anonymous intake and login attempts, per client address and
// per account, with RATE_LIMITED and retryAfterSeconds; time moves only on the manual clock.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRateLimited } from '../../src/server/rate-limit.js';
import { ManualClock } from '../../src/time/clock.js';
import { startHardenedServer, type HardenedServer } from '../support/hardening.js';
import { ADMIN_TOKEN } from '../support/server.js';

interface Answer { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }

async function gql(t: HardenedServer, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer;
}

const SUBMIT = 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id } }';
const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
const codeOf = (a: Answer) => a.errors?.[0]?.extensions?.code ?? 'OK';

describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
  const clock = new ManualClock();
  let t: HardenedServer;
  let sourceKey: string;
  let sourceId: string;
  beforeAll(async () => {
    t = await startHardenedServer({
      clock,
      env: { TRUST_PROXY: 'true', INTAKE_RATE_PER_MINUTE: '3', LOGIN_RATE_PER_MINUTE: '2', LOGIN_ACCOUNT_RATE_PER_MINUTE: '3' },
    });
    const { createLeadSource } = await t.admin.CreateLeadSource({ input: { name: 'Web form' } });
    sourceKey = createLeadSource.publicKey ?? '';
    sourceId = createLeadSource.id;
    await t.admin.CreateUser({ input: { name: 'Pat', email: 'pat@example.com', role: 'AGENT', password: 'correct horse' } });
    await t.admin.CreateUser({ input: { name: 'Sam', email: 'sam@example.com', role: 'AGENT', password: 'battery staple' } });
  });
  afterAll(async () => { await t.close(); });

  const submitFrom = (address: string) =>
    gql(t, SUBMIT, { input: { sourceKey, firstName: 'Web' } }, { 'x-forwarded-for': `198.51.100.1, ${address}` });

  it('anonymous submitLead is limited per address: RATE_LIMITED with retryAfterSeconds, and a token returns with time', async () => {
    for (let i = 0; i < 3; i++) expect(codeOf(await submitFrom('203.0.113.1'))).toBe('OK');
    const refused = await submitFrom('203.0.113.1');
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
    expect(refused.data).toBeNull();
    // Another address has its own allowance.
    expect(codeOf(await submitFrom('203.0.113.2'))).toBe('OK');
    await clock.advance(20_000);
    expect(codeOf(await submitFrom('203.0.113.1'))).toBe('OK');
    expect(codeOf(await submitFrom('203.0.113.1'))).toBe('RATE_LIMITED');
  });

  it('a refused submission writes nothing', async () => {
    const before = (await t.admin.Leads({ first: 100 })).leads.edges.length;
    for (let i = 0; i < 5; i++) await submitFrom('203.0.113.3');
    expect((await t.admin.Leads({ first: 100 })).leads.edges.length).toBe(before + 3);
  });

  it('a submission with the source key is limited as anonymous intake even when an agent sends a token with it', async () => {
    const { createUser } = await t.admin.CreateUser({ input: { name: 'Token holder', email: 'holder@example.com', role: 'AGENT' } });
    const token = (await t.admin.IssueApiToken({ userId: createUser.id })).issueApiToken.token;
    const asAgent = { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.40' };
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await gql(t, SUBMIT, { input: { sourceKey, firstName: 'Agent form' } }, asAgent)));
    expect(codes).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
    // The agent's token does not give the address a second allowance either.
    expect(codeOf(await gql(t, SUBMIT, { input: { sourceKey, firstName: 'Anonymous' } }, { 'x-forwarded-for': '203.0.113.40' }))).toBe('RATE_LIMITED');
  });

  it('an admin submitting with the source key is limited too: only sourceId submissions are exempt', async () => {
    const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-forwarded-for': '203.0.113.41' };
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await gql(t, SUBMIT, { input: { sourceKey, firstName: 'Admin form' } }, asAdmin)));
    expect(codes).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
  });

  it('signed-in admins submitting by sourceId are not limited', async () => {
    for (let i = 0; i < 6; i++) {
      const a = await gql(t, SUBMIT, { input: { sourceId, firstName: 'Admin' } }, { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-forwarded-for': '203.0.113.1' });
      expect(codeOf(a)).toBe('OK');
    }
  });

  it('login attempts are limited per address, right or wrong', async () => {
    const from = { 'x-forwarded-for': '192.0.2.10' };
    expect(codeOf(await gql(t, LOGIN, { email: 'nobody@example.com', password: 'guess one' }, from))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t, LOGIN, { email: 'other@example.com', password: 'guess two' }, from))).toBe('UNAUTHENTICATED');
    const refused = await gql(t, LOGIN, { email: 'pat@example.com', password: 'correct horse' }, from);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
  });

  it('login attempts are limited per account, whatever address they come from, with a higher ceiling', async () => {
    expect(codeOf(await gql(t, LOGIN, { email: 'pat@example.com', password: 'wrong one' }, { 'x-forwarded-for': '192.0.2.21' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t, LOGIN, { email: 'PAT@example.com', password: 'wrong two' }, { 'x-forwarded-for': '192.0.2.22' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t, LOGIN, { email: 'pat@example.com', password: 'wrong three' }, { 'x-forwarded-for': '192.0.2.25' }))).toBe('UNAUTHENTICATED');
    const refused = await gql(t, LOGIN, { email: 'pat@example.com', password: 'correct horse' }, { 'x-forwarded-for': '192.0.2.23' });
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
    await clock.advance(20_000);
    const ok = await gql(t, LOGIN, { email: 'pat@example.com', password: 'correct horse' }, { 'x-forwarded-for': '192.0.2.24' });
    expect(ok.errors).toBeUndefined();
  });

  it('a stranger who uses up the attempts from one address does not lock the user out from another', async () => {
    const stranger = { 'x-forwarded-for': '192.0.2.66' };
    expect(codeOf(await gql(t, LOGIN, { email: 'sam@example.com', password: 'guess one' }, stranger))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t, LOGIN, { email: 'sam@example.com', password: 'guess two' }, stranger))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t, LOGIN, { email: 'sam@example.com', password: 'guess three' }, stranger))).toBe('RATE_LIMITED');
    expect(codeOf(await gql(t, LOGIN, { email: 'sam@example.com', password: 'battery staple' }, stranger))).toBe('RATE_LIMITED');
    // No time passes: Sam, from their own address, still signs in.
    const own = await gql(t, LOGIN, { email: 'sam@example.com', password: 'battery staple' }, { 'x-forwarded-for': '192.0.2.77' });
    expect(own.errors).toBeUndefined();
    expect(own.data?.login).toMatchObject({ token: expect.any(String) });
  });
});

describe('without TRUST_PROXY', () => {
  let t: HardenedServer;
  let sourceKey: string;
  beforeAll(async () => {
    t = await startHardenedServer({ clock: new ManualClock(), env: { INTAKE_RATE_PER_MINUTE: '2' } });
    sourceKey = (await t.admin.CreateLeadSource({ input: { name: 'Form' } })).createLeadSource.publicKey ?? '';
  });
  afterAll(async () => { await t.close(); });

  it('X-Forwarded-For is ignored: a client cannot escape the limit by sending a new one each time', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push(codeOf(await gql(t, SUBMIT, { input: { sourceKey, firstName: 'Spoof' } }, { 'x-forwarded-for': `203.0.113.${i}` })));
    }
    expect(codes).toEqual(['OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});

describe('plain HTTP routes', () => {
  it('sendRateLimited answers 429 with Retry-After and the seconds in the body', async () => {
    const server = createServer((_req, res) => sendRateLimited(res, 7));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/forms/x`, { method: 'POST' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toEqual({ error: 'too many requests', retryAfterSeconds: 7 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// Identity over the real server: users, offices, tokens, sign-in, and the WebSocket handshake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SESSION_TTL_MS } from '../../src/services/auth-service.js';
import { ManualClock } from '../../src/time/clock.js';
import { errorCode, graphqlError, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

async function makeAgent(email: string, extra: Record<string, unknown> = {}) {
  const { createUser } = await t.admin.CreateUser({ input: { name: 'Agent ' + email, email, role: 'AGENT', ...extra } });
  const { issueApiToken } = await t.admin.IssueApiToken({ userId: createUser.id });
  return { id: createUser.id, token: issueApiToken.token, sdk: t.sdk(issueApiToken.token) };
}

describe('offices and users', () => {
  it('an admin creates offices and agents in several offices, with a derived forwarding address', async () => {
    const north = (await t.admin.CreateOffice({ name: 'North' })).createOffice;
    const south = (await t.admin.CreateOffice({ name: 'South' })).createOffice;
    const { createUser } = await t.admin.CreateUser({
      input: { name: 'Ana María Díaz', email: 'Ana@Example.com', phone: '(512) 555-0101', role: 'AGENT', officeIds: [north.id, south.id] },
    });
    expect(createUser).toMatchObject({
      name: 'Ana María Díaz', email: 'ana@example.com', phone: '+15125550101', role: 'AGENT',
      leadEmail: 'ana.maria.diaz.leads@leads.localhost',
    });
    expect(createUser.offices.map((o) => o.name).sort()).toEqual(['North', 'South']);
  });

  it('bad input is refused with the field named, and nothing is written', async () => {
    const before = (await t.admin.Users()).users.length;
    expect(await graphqlError(t.admin.CreateUser({ input: { name: 'X', email: 'not-an-email', role: 'AGENT' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(await graphqlError(t.admin.CreateUser({ input: { name: 'X', email: 'x1@example.com', phone: 'call me', role: 'AGENT' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });
    expect(await graphqlError(t.admin.CreateUser({ input: { name: 'X', email: 'x2@example.com', role: 'AGENT', officeIds: ['999'] } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'officeIds' });
    expect(await graphqlError(t.admin.CreateUser({ input: { name: '  ', email: 'x3@example.com', role: 'AGENT' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    await t.admin.CreateUser({ input: { name: 'Taken', email: 'taken@example.com', role: 'AGENT' } });
    expect(await graphqlError(t.admin.CreateUser({ input: { name: 'Again', email: 'TAKEN@example.com', role: 'AGENT' } })))
      .toMatchObject({ code: 'CONFLICT', field: 'email' });
    expect((await t.admin.Users()).users.length).toBe(before + 1);
  });

  it('a taken handle gets a number when derived', async () => {
    const a = (await t.admin.CreateUser({ input: { name: 'Sam Lee', email: 'sam1@example.com', role: 'AGENT' } })).createUser;
    const b = (await t.admin.CreateUser({ input: { name: 'Sam Lee', email: 'sam2@example.com', role: 'AGENT' } })).createUser;
    expect(a.leadEmail).toBe('sam.lee.leads@leads.localhost');
    expect(b.leadEmail).toBe('sam.lee2.leads@leads.localhost');
  });

  it('only admins create and change users, offices and tokens', async () => {
    const agent = await makeAgent('plain@example.com');
    expect(await errorCode(agent.sdk.CreateOffice({ name: 'Nope' }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.sdk.CreateUser({ input: { name: 'N', email: 'n@example.com', role: 'ADMIN' } }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.sdk.IssueApiToken({ userId: agent.id }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.sdk.UpdateUser({ id: agent.id, input: { active: true } }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.sdk.Users())).toBe('FORBIDDEN');
    expect(await errorCode(t.sdk(null).CreateOffice({ name: 'Nope' }))).toBe('UNAUTHENTICATED');
    expect(await errorCode(t.sdk('lr_wrong').Me())).toBe('UNAUTHENTICATED');
    expect((await t.admin.Offices()).offices.map((o) => o.name)).not.toContain('Nope');
  });

  it('an unknown user id is NOT_FOUND', async () => {
    expect(await errorCode(t.admin.UpdateUser({ id: '424242', input: { active: false } }))).toBe('NOT_FOUND');
    expect(await errorCode(t.admin.IssueApiToken({ userId: 'abc' }))).toBe('NOT_FOUND');
  });
});

describe('authentication', () => {
  it('login returns a working session token; a wrong pair gets the same message for both cases', async () => {
    await t.admin.CreateUser({ input: { name: 'Pat', email: 'pat@example.com', role: 'AGENT', password: 'correct horse' } });
    const { login } = await t.sdk(null).Login({ email: 'PAT@example.com', password: 'correct horse' });
    expect(login.user.role).toBe('AGENT');
    expect(login.token).toMatch(/^lr_/);
    expect((await t.sdk(login.token).Me()).me.email).toBe('pat@example.com');

    const wrongPassword = await graphqlError(t.sdk(null).Login({ email: 'pat@example.com', password: 'wrong horse' }));
    const unknownEmail = await graphqlError(t.sdk(null).Login({ email: 'nobody@example.com', password: 'correct horse' }));
    expect(wrongPassword).toEqual(unknownEmail);
    expect(wrongPassword.code).toBe('UNAUTHENTICATED');
  });

  it('a short password is refused', async () => {
    expect(await graphqlError(t.admin.CreateUser({ input: { name: 'Q', email: 'q@example.com', role: 'AGENT', password: 'short' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  it("a deactivated user's tokens stop working at once, and work again when reactivated", async () => {
    const agent = await makeAgent('leaving@example.com');
    expect((await agent.sdk.Me()).me.id).toBe(agent.id);
    const { updateUser } = await t.admin.UpdateUser({ id: agent.id, input: { active: false } });
    expect(updateUser.active).toBe(false);
    expect(await errorCode(agent.sdk.Me())).toBe('UNAUTHENTICATED');
    await t.admin.UpdateUser({ id: agent.id, input: { active: true } });
    expect((await agent.sdk.Me()).me.id).toBe(agent.id);
  });

  it('a WebSocket without a valid token is closed with 4403, with a reason that says which', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'Forbidden: sign in first: send connectionParams { "authorization": "Bearer <token>" }'],
      [{ authorization: 'Bearer lr_not-a-token' }, 'Forbidden: the token is not valid (revoked, expired or mistyped)'],
    ];
    for (const [params, reason] of cases) {
      const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
      expect(await closed).toEqual({ code: 4403, reason });
    }
  });

  it('a WebSocket with a valid token runs operations as that user', async () => {
    const agent = await makeAgent('socket@example.com');
    const client = t.ws(agent.token);
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ me { id role } }' }, { next: (r) => resolve(r.data), error: reject, complete: () => {} });
    });
    expect(result).toEqual({ me: { id: agent.id, role: 'AGENT' } });
  });
});

describe('HTTP', () => {
  it('serves /healthz, the playground on GET /graphql, and CORS preflight', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toMatchObject({ status: 'ok', database: 'ok' });
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<!DOCTYPE html>/i);
    const pre = await fetch(`${t.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://dash.example.com' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses bodies over 1 MB with 413 and malformed JSON with 400', async () => {
    const big = await fetch(`${t.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(1_100_000) }),
    });
    expect(big.status).toBe(413);
    const bad = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
    expect(bad.status).toBe(400);
  });
});

describe('session expiry', () => {
  it('a login session works until SESSION_TTL_MS has passed and not a millisecond after; API tokens do not expire', async () => {
    const clock = new ManualClock();
    const s = await startTestServer({ clock });
    try {
      await s.admin.CreateUser({ input: { name: 'Sid', email: 'sid@example.com', role: 'AGENT', password: 'correct horse' } });
      const { login } = await s.sdk(null).Login({ email: 'sid@example.com', password: 'correct horse' });
      const { issueApiToken } = await s.admin.IssueApiToken({ userId: login.user.id });
      await clock.advance(SESSION_TTL_MS - 1);
      expect((await s.sdk(login.token).Me()).me.email).toBe('sid@example.com');
      await clock.advance(1);
      expect(await errorCode(s.sdk(login.token).Me())).toBe('UNAUTHENTICATED');
      expect((await s.sdk(issueApiToken.token).Me()).me.email).toBe('sid@example.com');
    } finally {
      await s.close();
    }
  });
});

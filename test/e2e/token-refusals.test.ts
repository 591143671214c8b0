// A refused caller is told what to fix: no token says "sign in first", a token that authenticates
// nobody (mistyped, expired, its user deactivated) says the token is not valid. Over HTTP, at the
// WebSocket handshake (4403 with a reason) and on an open socket whose token has stopped working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_TTL_MS } from '../../src/services/auth-service.js';
import { ManualClock } from '../../src/time/clock.js';
import { openRaw } from '../support/hardening.js';
import { graphqlError, startTestServer, type TestServer } from '../support/server.js';

const SIGN_IN_FIRST = 'sign in first: send Authorization: Bearer <token>';
const NOT_VALID = 'the token is not valid (revoked, expired or mistyped): send a valid one as Authorization: Bearer <token>';

const clock = new ManualClock();
let t: TestServer;
beforeAll(async () => { t = await startTestServer({ clock }); });
afterAll(async () => { await t.close(); });

let seq = 0;
async function agentWithPassword() {
  seq += 1;
  const email = `refused${seq}@example.com`;
  const { createUser } = await t.admin.CreateUser({ input: { name: `Refused ${seq}`, email, role: 'AGENT', password: 'correct horse' } });
  const { issueApiToken } = await t.admin.IssueApiToken({ userId: createUser.id });
  const { login } = await t.sdk(null).Login({ email, password: 'correct horse' });
  return { id: createUser.id, apiToken: issueApiToken.token, session: login.token };
}

describe('over HTTP', () => {
  it('no token: UNAUTHENTICATED "sign in first"', async () => {
    expect(await graphqlError(t.sdk(null).Me())).toEqual({ code: 'UNAUTHENTICATED', message: SIGN_IN_FIRST, field: undefined });
  });

  it('a mistyped token: UNAUTHENTICATED "the token is not valid", on queries, admin-only fields and a submission by sourceId', async () => {
    const wrong = t.sdk('lr_mistyped-token');
    expect(await graphqlError(wrong.Me())).toEqual({ code: 'UNAUTHENTICATED', message: NOT_VALID, field: undefined });
    expect(await graphqlError(wrong.Users())).toMatchObject({ code: 'UNAUTHENTICATED', message: NOT_VALID });
    expect(await graphqlError(wrong.SubmitLead({ input: { sourceId: '1', firstName: 'Ann' } })))
      .toMatchObject({ code: 'UNAUTHENTICATED', message: NOT_VALID });
  });

  it('a revoked API token: the token is not valid, over HTTP and at the WebSocket handshake', async () => {
    const agent = await agentWithPassword();
    const { issueApiToken } = await t.admin.IssueLabelledApiToken({ userId: agent.id, label: 'to revoke' });
    expect((await t.sdk(issueApiToken.token).Me()).me.id).toBe(agent.id);
    await t.admin.RevokeApiToken({ id: issueApiToken.id });
    expect(await graphqlError(t.sdk(issueApiToken.token).Me())).toMatchObject({ code: 'UNAUTHENTICATED', message: NOT_VALID });
    const client = await openRaw(t.wsUrl, issueApiToken.token);
    expect(await client.closed).toEqual({ code: 4403, reason: 'Forbidden: the token is not valid (revoked, expired or mistyped)' });
  });

  it("a deactivated user's token and an expired session: the token is not valid", async () => {
    const deactivated = await agentWithPassword();
    await t.admin.UpdateUser({ id: deactivated.id, input: { active: false } });
    expect(await graphqlError(t.sdk(deactivated.apiToken).Me())).toMatchObject({ code: 'UNAUTHENTICATED', message: NOT_VALID });

    const expiring = await agentWithPassword();
    await clock.advance(SESSION_TTL_MS);
    expect(await graphqlError(t.sdk(expiring.session).Me())).toMatchObject({ code: 'UNAUTHENTICATED', message: NOT_VALID });
    // The API token of the same user still works: the message is about that one token.
    expect((await t.sdk(expiring.apiToken).Me()).me.id).toBe(expiring.id);
  });
});

describe('over WebSockets', () => {
  it('a socket with no token is closed with 4403 and a reason that says to sign in', async () => {
    const client = await openRaw(t.wsUrl, '');
    expect(await client.closed).toEqual({
      code: 4403, reason: 'Forbidden: sign in first: send connectionParams { "authorization": "Bearer <token>" }',
    });
  });

  it("a socket with a mistyped token or a deactivated user's token is closed with 4403: the token is not valid", async () => {
    const deactivated = await agentWithPassword();
    await t.admin.UpdateUser({ id: deactivated.id, input: { active: false } });
    for (const token of ['lr_mistyped-token', deactivated.apiToken]) {
      const client = await openRaw(t.wsUrl, token);
      expect(await client.closed).toEqual({ code: 4403, reason: 'Forbidden: the token is not valid (revoked, expired or mistyped)' });
    }
  });

  it('an operation on an open socket whose session has since expired: the token is not valid', async () => {
    const agent = await agentWithPassword();
    const client = await openRaw(t.wsUrl, agent.session);
    client.subscribe('before', '{ me { id } }');
    expect((await client.waitFor((m) => m.id === 'before' && m.type === 'next', 'me')).payload).toEqual({ data: { me: { id: agent.id } } });
    await clock.advance(SESSION_TTL_MS);
    client.subscribe('after', '{ me { id } }');
    const refused = await client.waitFor((m) => m.id === 'after' && m.type === 'next', 'the refusal');
    expect((refused.payload as { errors: { message: string; extensions: { code: string } }[] }).errors
      .map((e) => [e.extensions.code, e.message])).toEqual([['UNAUTHENTICATED', NOT_VALID]]);
    client.socket.close(1000);
  });
});

// API tokens over the real server: labelled tokens, the token list (never a token's value), and
// revocation that takes effect at once, over HTTP and on the WebSockets signed in with the token.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_USE_PRECISION_MS } from '../../src/services/token-usage.js';
import { TOKEN_REVOKED_REASON, WsCloseCode } from '../../src/server/ws-limits.js';
import { ManualClock } from '../../src/time/clock.js';
import { openRaw } from '../support/hardening.js';
import { ADMIN_TOKEN, errorCode, graphqlError, startTestServer, type TestServer } from '../support/server.js';
import { withServerSql } from '../support/server-sql.js';
import type { DatabaseConfig } from '../../src/server/config.js';

const clock = new ManualClock();
let t: TestServer;
beforeAll(async () => { t = await startTestServer({ clock }); });
afterAll(async () => { await t.close(); });

let seq = 0;
async function newAgent() {
  seq += 1;
  const { createUser } = await t.admin.CreateUser({ input: { name: `Token Agent ${seq}`, email: `token${seq}@example.com`, role: 'AGENT' } });
  return createUser.id;
}

/** A raw POST /graphql, for what the SDK would hide (the whole answer as text). */
async function post(token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.text();
}

describe('issuing and listing', () => {
  it('a token is issued with a label and an id; the list shows id, label, createdAt and lastUsedAt, never the value or its hash', async () => {
    const userId = await newAgent();
    const phone = (await t.admin.IssueLabelledApiToken({ userId, label: "  Ana's phone  " })).issueApiToken;
    const laptop = (await t.admin.IssueLabelledApiToken({ userId, label: null })).issueApiToken;
    expect(phone.token).toMatch(/^lr_/);
    const { apiTokens } = await t.admin.ApiTokens({ userId });
    expect(apiTokens).toEqual([
      { id: phone.id, label: "Ana's phone", createdAt: new Date(clock.now()).toISOString(), lastUsedAt: null },
      { id: laptop.id, label: null, createdAt: new Date(clock.now()).toISOString(), lastUsedAt: null },
    ]);
    // Nothing in the type can carry the secret, and the answer holds neither the value nor its hash.
    const fields = await post(ADMIN_TOKEN, '{ __type(name: "ApiToken") { fields { name } } }');
    expect((JSON.parse(fields) as { data: { __type: { fields: { name: string }[] } } }).data.__type.fields.map((f) => f.name).sort())
      .toEqual(['createdAt', 'id', 'label', 'lastUsedAt']);
    const listed = await post(ADMIN_TOKEN, 'query($u: ID!) { apiTokens(userId: $u) { id label createdAt lastUsedAt } }', { u: userId });
    for (const { token } of [phone, laptop]) {
      expect(listed).not.toContain(token);
      expect(listed).not.toContain(createHash('sha256').update(token).digest('hex'));
    }
  });

  it('login sessions are not listed; the bootstrap token is, labelled', async () => {
    const me = (await t.admin.Me()).me.id;
    const { apiTokens } = await t.admin.ApiTokens({ userId: me });
    expect(apiTokens.map((x) => x.label)).toContain('BOOTSTRAP_ADMIN_TOKEN');
    const userId = (await t.admin.CreateUser({ input: { name: 'Signs In', email: 'signs-in@example.com', role: 'AGENT', password: 'long enough password' } })).createUser.id;
    await t.sdk(null).Login({ email: 'signs-in@example.com', password: 'long enough password' });
    expect((await t.admin.ApiTokens({ userId })).apiTokens).toEqual([]);
  });

  it('a label over 100 characters is BAD_USER_INPUT and issues nothing; an unknown user is NOT_FOUND', async () => {
    const userId = await newAgent();
    expect(await graphqlError(t.admin.IssueLabelledApiToken({ userId, label: 'x'.repeat(101) }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'label' });
    expect((await t.admin.ApiTokens({ userId })).apiTokens).toEqual([]);
    expect(await errorCode(t.admin.ApiTokens({ userId: '99999' }))).toBe('NOT_FOUND');
    expect(await errorCode(t.admin.IssueLabelledApiToken({ userId: '99999', label: 'x' }))).toBe('NOT_FOUND');
  });

  it('an agent may not list, issue or revoke tokens, not even their own: FORBIDDEN', async () => {
    const userId = await newAgent();
    const own = (await t.admin.IssueLabelledApiToken({ userId, label: 'own' })).issueApiToken;
    const agent = t.sdk(own.token);
    expect(await errorCode(agent.ApiTokens({ userId }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.IssueLabelledApiToken({ userId, label: 'more' }))).toBe('FORBIDDEN');
    expect(await errorCode(agent.RevokeApiToken({ id: own.id }))).toBe('FORBIDDEN');
    // Refused, so the token still works.
    expect((await agent.Me()).me.id).toBe(userId);
    expect(await errorCode(t.sdk(null).ApiTokens({ userId }))).toBe('UNAUTHENTICATED');
  });
});

describe('revocation', () => {
  it('a revoked token is UNAUTHENTICATED from the next request on; the user\'s other tokens keep working', async () => {
    const userId = await newAgent();
    const doomed = (await t.admin.IssueLabelledApiToken({ userId, label: 'lost phone' })).issueApiToken;
    const kept = (await t.admin.IssueLabelledApiToken({ userId, label: 'laptop' })).issueApiToken;
    expect((await t.sdk(doomed.token).Me()).me.id).toBe(userId);
    expect((await t.admin.RevokeApiToken({ id: doomed.id })).revokeApiToken).toBe(true);
    expect(await errorCode(t.sdk(doomed.token).Me())).toBe('UNAUTHENTICATED');
    expect((await t.sdk(kept.token).Me()).me.id).toBe(userId);
    // Gone from the list; revoking again changes nothing; an unknown id is NOT_FOUND.
    expect((await t.admin.ApiTokens({ userId })).apiTokens.map((x) => x.id)).toEqual([kept.id]);
    expect((await t.admin.RevokeApiToken({ id: doomed.id })).revokeApiToken).toBe(false);
    expect(await errorCode(t.sdk(doomed.token).Me())).toBe('UNAUTHENTICATED');
    expect(await errorCode(t.admin.RevokeApiToken({ id: '99999' }))).toBe('NOT_FOUND');
  });

  it('the WebSockets signed in with a revoked token are closed with 4403 at once; the same user\'s other sockets stay open', async () => {
    const userId = await newAgent();
    const doomed = (await t.admin.IssueLabelledApiToken({ userId, label: 'tablet' })).issueApiToken;
    const kept = (await t.admin.IssueLabelledApiToken({ userId, label: 'phone' })).issueApiToken;
    const first = await openRaw(t.wsUrl, doomed.token);
    const second = await openRaw(t.wsUrl, doomed.token);
    const other = await openRaw(t.wsUrl, kept.token);
    first.subscribe('1', 'subscription { offers { type } }');
    await t.admin.RevokeApiToken({ id: doomed.id });
    expect(await first.closed).toEqual({ code: WsCloseCode.Forbidden, reason: TOKEN_REVOKED_REASON });
    expect(await second.closed).toEqual({ code: WsCloseCode.Forbidden, reason: TOKEN_REVOKED_REASON });
    other.subscribe('q', '{ me { id } }');
    expect(await other.waitFor((m) => m.id === 'q' && m.type === 'next', 'me')).toMatchObject({ payload: { data: { me: { id: userId } } } });
    // A new socket with the revoked token is refused.
    const again = await openRaw(t.wsUrl, doomed.token);
    expect((await again.closed).code).toBe(WsCloseCode.Forbidden);
    other.socket.close(1000);
  });

  it('an admin may revoke the token they are using; their request is answered and the next one is not', async () => {
    const me = (await t.admin.Me()).me.id;
    const spare = (await t.admin.IssueLabelledApiToken({ userId: me, label: 'spare admin' })).issueApiToken;
    const self = t.sdk(spare.token);
    expect((await self.RevokeApiToken({ id: spare.id })).revokeApiToken).toBe(true);
    expect(await errorCode(self.Me())).toBe('UNAUTHENTICATED');
  });
});

describe('lastUsedAt', () => {
  /** The token's last_used_at as written in the database (epoch ms), read over a connection of the test's own. */
  const written = (database: DatabaseConfig, id: string) => withServerSql(database, async (db) =>
    (await db.get<{ at: number | null }>('SELECT last_used_at AS at FROM api_tokens WHERE id = ?', [Number(id)]))?.at);
  const row = (id: string) => written(t.config.database, id);

  it('moves to the minute with HTTP and WebSocket use, and is written in batches, not on each request', async () => {
    const userId = await newAgent();
    const token = (await t.admin.IssueLabelledApiToken({ userId, label: 'watch' })).issueApiToken;
    const shown = async () => (await t.admin.ApiTokens({ userId })).apiTokens[0]?.lastUsedAt ?? null;
    expect(await shown()).toBeNull();

    const firstUse = clock.now();
    await t.sdk(token.token).Me();
    expect(await shown()).toBe(new Date(firstUse).toISOString());
    // Listed at once, but not yet written: the request path wrote nothing.
    expect(await row(token.id)).toBeNull();

    // Within the minute: neither the list nor the row moves.
    await clock.advance(30_000);
    await t.sdk(token.token).Me();
    expect(await shown()).toBe(new Date(firstUse).toISOString());

    // A minute after the first use the batch is written.
    await clock.advance(TOKEN_USE_PRECISION_MS - 30_000);
    expect(await row(token.id)).toBe(firstUse);

    // A WebSocket operation a minute later counts as a use.
    await clock.advance(1_000);
    const wsUse = clock.now();
    const socket = await openRaw(t.wsUrl, token.token);
    socket.subscribe('m', '{ me { id } }');
    await socket.waitFor((m) => m.id === 'm' && m.type === 'next', 'me');
    socket.socket.close(1000);
    expect(await shown()).toBe(new Date(wsUse).toISOString());
    await clock.advance(TOKEN_USE_PRECISION_MS);
    expect(await row(token.id)).toBe(wsUse);
  });

  it('uses noted in the last minute are written when the server stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-tokens-'));
    const own = new ManualClock();
    try {
      const s = await startTestServer({ clock: own, dir });
      const userId = (await s.admin.CreateUser({ input: { name: 'Stopper', email: 'stopper@example.com', role: 'AGENT' } })).createUser.id;
      const token = (await s.admin.IssueLabelledApiToken({ userId, label: 'x' })).issueApiToken;
      await s.sdk(token.token).Me();
      await s.close();
      expect(own.pendingTimers).toBe(0);
      expect(await written(s.config.database, token.id)).toBe(own.now());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the bootstrap token', () => {
  it('a revoked BOOTSTRAP_ADMIN_TOKEN stays revoked after a restart with the same value; a new value works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-bootstrap-'));
    try {
      const first = await startTestServer({ dir });
      const me = (await first.admin.Me()).me.id;
      const bootstrap = (await first.admin.ApiTokens({ userId: me })).apiTokens.find((x) => x.label === 'BOOTSTRAP_ADMIN_TOKEN');
      expect(bootstrap).toBeDefined();
      await first.admin.RevokeApiToken({ id: bootstrap?.id ?? '' });
      await first.close();

      const second = await startTestServer({ dir });
      expect(await errorCode(second.admin.Me())).toBe('UNAUTHENTICATED');
      await second.close();

      const fresh = 'a-new-bootstrap-token-0123456789';
      const third = await startTestServer({ dir, env: { BOOTSTRAP_ADMIN_TOKEN: fresh } });
      expect((await third.sdk(fresh).Me()).me.id).toBe(me);
      await third.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

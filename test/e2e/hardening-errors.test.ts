// In production, errors tell the client nothing of the internals: no stack, no SQL, no internal
// message, only INTERNAL_SERVER_ERROR; the log keeps the whole error with the request id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaw, startHardenedServer, type HardenedServer } from '../support/hardening.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { withServerSql } from '../support/server-sql.js';

let t: HardenedServer;
let leadId: string;

beforeAll(async () => {
  t = await startHardenedServer({ env: { NODE_ENV: 'production' } });
  const { createLeadSource } = await t.admin.CreateLeadSource({ input: { name: 'Portal' } });
  leadId = (await t.admin.SubmitLead({ input: { sourceId: createLeadSource.id, firstName: 'Corrupt' } })).submitLead.id;
  // Corrupt the row behind the server's back, as a bad migration or a hand edit might: the lead now
  // names a source that does not exist, so resolving Lead.source fails inside the server.
  await withServerSql(t.config.database, async (db) => {
    // Foreign keys are checked per connection on SQLite; on PostgreSQL by triggers that a session
    // in replica mode does not fire.
    await db.run(db.kind === 'sqlite' ? 'PRAGMA foreign_keys = OFF' : 'SET session_replication_role = replica');
    expect(await db.run('UPDATE leads SET source_id = 999999 WHERE id = ?', [Number(leadId)])).toBe(1);
  });
});
afterAll(async () => { await t.close(); });

async function post(query: string, requestId: string) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': requestId },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, text: await res.text() };
}

const unexpectedLogs = () => t.logs.filter((l) => l.msg === 'unexpected error');

describe('production errors', () => {
  it('an unexpected error reaches the client as INTERNAL_SERVER_ERROR "internal server error" and nothing more', async () => {
    const { text } = await post(`{ lead(id: "${leadId}") { id source { name } } }`, 'req-broken-row');
    const body = JSON.parse(text) as { errors: unknown[] };
    expect(body.errors).toEqual([{
      message: 'internal server error',
      locations: [expect.any(Object)],
      path: ['lead', 'source'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    }]);
    expect(text).not.toMatch(/999999|missing source|stacktrace|\.ts:\d|at [A-Za-z]/);
  });

  it('the log line has the request id and the real error', () => {
    const line = unexpectedLogs().find((l) => l.reqId === 'req-broken-row');
    expect(line).toBeDefined();
    expect(line).toMatchObject({ level: 50, path: 'lead.source', err: { message: expect.stringContaining('missing source 999999') } });
    expect(JSON.stringify(line)).toContain('"stack"');
  });

  it('a failing SQL statement shows no SQL, table name or driver error to the client', async () => {
    await withServerSql(t.config.database, (db) => db.run('ALTER TABLE status_codes RENAME TO status_codes_gone'));
    try {
      const { text } = await post('{ statusCodes { id name } }', 'req-sql');
      const body = JSON.parse(text) as { errors: { message: string; extensions: unknown }[] };
      expect(body.errors.map((e) => [e.message, e.extensions])).toEqual([['internal server error', { code: 'INTERNAL_SERVER_ERROR' }]]);
      expect(text).not.toMatch(/status_codes|SQLITE|no such table|does not exist|relation|select/i);
      expect(unexpectedLogs().find((l) => l.reqId === 'req-sql')).toMatchObject({ err: { message: expect.stringMatching(/status_codes/) } });
    } finally {
      await withServerSql(t.config.database, (db) => db.run('ALTER TABLE status_codes_gone RENAME TO status_codes'));
    }
  });

  it('a domain error keeps its code and message in production', async () => {
    const { text } = await post('{ lead(id: "424242") { id } }', 'req-not-found');
    expect(JSON.parse(text)).toMatchObject({ errors: [{ message: 'lead not found', extensions: { code: 'NOT_FOUND' } }] });
    expect(unexpectedLogs().some((l) => l.reqId === 'req-not-found')).toBe(false);
  });

  it('over WebSocket the same: INTERNAL_SERVER_ERROR to the client, the real error logged with a request id', async () => {
    const before = unexpectedLogs().length;
    const c = await openRaw(t.wsUrl, ADMIN_TOKEN);
    c.subscribe('1', `{ lead(id: "${leadId}") { source { name } } }`);
    const next = await c.waitFor((m) => m.id === '1' && m.type === 'next', 'the result');
    expect(next.payload).toEqual({
      data: null,
      errors: [{ message: 'internal server error', locations: [expect.any(Object)], path: ['lead', 'source'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    const logged = unexpectedLogs().slice(before);
    expect(logged).toEqual([expect.objectContaining({ reqId: expect.stringMatching(/^[0-9a-f-]{36}$/), path: 'lead.source' })]);
    c.socket.close(1000);
    await c.closed;
  });
});

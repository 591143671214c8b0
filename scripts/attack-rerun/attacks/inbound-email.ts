// Attacks through POST /inbound/email (anyone can mail a forwarding address):
// - issue 12 point 2: the four hostile emails that froze the event loop (each timed, /healthz probed
//   while it is read);
// - point 5: the same Message-ID forwarded by two agents (two leads, not one shared);
// - point 8: an Email: line holding a 300-character address (the lead kept without the email).
import { ADMIN_TOKEN, createAgents, freshAddress, INBOUND_SECRET, type AttackContext } from '../context.js';
import { gqlData, httpRequest, type HttpAnswer } from '../http.js';
import type { AttackResult } from '../report.js';

/** A forwarded message as a portal sends it. */
function message(to: string, body: string, options: { html?: boolean; messageId?: string } = {}): string {
  return [
    'From: Portal <leads@portal.example>', `To: ${to}`, 'Subject: New lead',
    `Message-ID: <${options.messageId ?? `attack-${Math.random().toString(36).slice(2)}`}@portal.example>`,
    `Content-Type: ${options.html ? 'text/html' : 'text/plain'}; charset=utf-8`, '', body, '',
  ].join('\r\n');
}

function postEmail(ctx: AttackContext, raw: string): Promise<HttpAnswer> {
  return httpRequest(`${ctx.target.url}/inbound/email`, {
    body: raw,
    headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': INBOUND_SECRET, 'x-forwarded-for': freshAddress() },
  });
}

const KB = 1024;

/** Point 2: each hostile email must be answered (not 5xx) well under a second, the server answering others meanwhile. */
export async function hostileEmails(ctx: AttackContext): Promise<AttackResult[]> {
  const [agent] = await createAgents(ctx, 'mailbomb', 1);
  if (!agent) throw new Error('no agent');
  const to = agent.leadEmail;
  const shapes: [string, string][] = [
    ['80 KB `Phone: ((((…`', message(to, `Name: Pat Doe\nPhone: ${'('.repeat(80 * KB)}`)],
    ['80 KB `Email: aaaa…`', message(to, `Name: Pat Doe\nEmail: ${'a'.repeat(80 * KB)}`)],
    ['60 KB `To:` header', message(`${'a'.repeat(60 * KB)} ${to}`, 'Name: Pat Doe')],
    ['400 KB of empty `<tr>` rows', message(to, `<table>${'<tr></tr>'.repeat(Math.floor(400 * KB / 9))}</table>`, { html: true })],
  ];
  const results: AttackResult[] = [];
  for (const [name, raw] of shapes) {
    const { value, health } = await ctx.target.during(() => postEmail(ctx, raw));
    results.push({
      point: '2',
      name: `email: ${name}`,
      sent: `POST /inbound/email, ${Math.round(Buffer.byteLength(raw) / KB)} KB message/rfc822 to ${to}`,
      got: `${value.status} in ${Math.round(value.ms)} ms ${value.body.slice(0, 80)}`,
      expected: 'answered (not 5xx) in under 1 s; /healthz answered within 1 s while it is read',
      held: value.status < 500 && value.ms < 1000,
      health,
    });
  }
  return results;
}

/** Point 5: one Message-ID forwarded by two agents is two leads, one each. */
export async function sameMessageIdTwoAgents(ctx: AttackContext): Promise<AttackResult> {
  const agents = await createAgents(ctx, 'fwd', 2);
  const messageId = `shared-${Date.now()}`;
  const { value, health } = await ctx.target.during(async () => {
    const answers: { status: number; leadId: string | null; created: boolean | null }[] = [];
    for (const agent of agents) {
      const a = await postEmail(ctx, message(agent.leadEmail, 'Name: Sam Shared\nPhone: +1 512 555 0142\nMessage: a lead', { messageId }));
      const parsed = JSON.parse(a.body) as { leadId?: string; created?: boolean };
      answers.push({ status: a.status, leadId: parsed.leadId ?? null, created: parsed.created ?? null });
    }
    return answers;
  });
  const [a, b] = value;
  return {
    point: '5',
    name: 'the same Message-ID forwarded to two agents',
    sent: `the same message (Message-ID <${messageId}@portal.example>) posted To each of 2 agents' forwarding addresses`,
    got: value.map((v, i) => `agent ${i + 1}: ${v.status} lead ${v.leadId} created=${v.created}`).join('; '),
    expected: 'two leads: 201 created=true for each agent, different lead ids',
    held: a !== undefined && b !== undefined && a.status === 201 && b.status === 201 && a.leadId !== b.leadId,
    health,
  };
}

/** Point 8: an over-long address on the Email: line drops that field, not the lead. */
export async function overlongEmailAddress(ctx: AttackContext): Promise<AttackResult> {
  const [agent] = await createAgents(ctx, 'longaddr', 1);
  if (!agent) throw new Error('no agent');
  const address = `${'a'.repeat(300 - '@example.com'.length)}@example.com`;
  const { value, health } = await ctx.target.during(() =>
    postEmail(ctx, message(agent.leadEmail, `Name: Lou Long\nEmail: ${address}\nPhone: +1 512 555 0177\nMessage: call me`)));
  const leadId = (JSON.parse(value.body) as { leadId?: string }).leadId;
  const lead = leadId ? await readLead(ctx, leadId) : null;
  return {
    point: '8',
    name: 'forwarded email with a 300-character address on its `Email:` line',
    sent: `POST /inbound/email: Name: Lou Long / Email: <300 characters> / Phone: +1 512 555 0177`,
    got: `${value.status} ${value.body.slice(0, 60)}; lead: ${lead ? `firstName=${lead.firstName} email=${lead.email} phone=${lead.phone}` : 'none'}`,
    expected: '201, the lead kept with its name and phone and without the email',
    held: value.status === 201 && lead !== null && lead.firstName === 'Lou' && lead.email === null && lead.phone !== null,
    health,
  };
}

async function readLead(ctx: AttackContext, id: string): Promise<{ firstName: string; email: string | null; phone: string | null }> {
  const { lead } = await gqlData<{ lead: { firstName: string; email: string | null; phone: string | null } }>(ctx.target.url,
    'query($id: ID!) { lead(id: $id) { firstName email phone } }', { id }, { token: ADMIN_TOKEN });
  return lead;
}

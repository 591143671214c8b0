// Issue 12 point 5, the reads: a replayed externalId must show nothing the caller could not already
// see, and a source's publicKey (which lets anyone submit as that source, and replay its leads) is
// the admins' alone on every path an agent can reach: lead.source, myOffers.lead.source, and the
// forwarded-email source of an agent's own forwarded lead.
import { ADMIN_TOKEN, createAgents, createSource, freshAddress, INBOUND_SECRET, submitAsAdmin, waitFor, type AttackContext } from '../context.js';
import { gql, gqlData, httpRequest, type GqlAnswer } from '../http.js';
import type { AttackResult } from '../report.js';

const errorsText = (a: GqlAnswer<unknown>) =>
  a.errors.length ? a.errors.map((e) => `${e.code ?? '?'}${e.path ? ` on ${e.path}` : ''}`).join(', ') : 'no errors';

/** An anonymous replay of a web form's externalId, selecting the lead's first name, message and state. */
export async function externalIdReplay(ctx: AttackContext): Promise<AttackResult> {
  const [agent] = await createAgents(ctx, 'replay', 1);
  if (!agent) throw new Error('no agent');
  const source = await createSource(ctx, 'replay', [agent]);
  const secret = { firstName: 'Greta', message: 'Selling my house at 12 Oak Lane, call after 6' };
  const externalId = `order-${Date.now()}`;
  const submit = `mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id state firstName message } }`;
  // The web form's genuine submission.
  await gql(ctx.target.url, submit, { input: { sourceKey: source.publicKey, externalId, ...secret } }, { from: freshAddress() });
  const { value, health } = await ctx.target.during(() =>
    gql<{ submitLead: Record<string, unknown> | null }>(ctx.target.url, submit,
      { input: { sourceKey: source.publicKey, externalId, firstName: 'x' } }, { from: freshAddress() }));
  const leaked = [secret.firstName, 'Oak Lane'].filter((s) => value.text.includes(s));
  return {
    point: '5',
    name: 'anonymous `submitLead` replaying an existing externalId',
    sent: `submitLead(sourceKey, externalId: "${externalId}", firstName: "x") { id state firstName message }, no token`,
    got: `${value.status}; data ${JSON.stringify(value.data?.submitLead ?? null)}; ${errorsText(value)}; `
      + `${leaked.length ? `REVEALED ${leaked.join(', ')}` : 'first name and message not in the answer'}`,
    expected: 'nothing of the first submission revealed (a receipt: id, kind, state, createdAt at most)',
    held: leaked.length === 0,
    health,
  };
}

/** An agent offered a lead reads its source's publicKey two ways; an agent reads the forwarded-email source's. */
export async function sourceKeyReads(ctx: AttackContext): Promise<AttackResult[]> {
  const [agent] = await createAgents(ctx, 'keyread', 1);
  if (!agent) throw new Error('no agent');
  const source = await createSource(ctx, 'keyread', [agent]);
  const leadId = await submitAsAdmin(ctx, source.id, { firstName: 'Kim', message: 'a lead to read' });
  await waitFor(async () => {
    const offers = await gqlData<{ myOffers: unknown[] }>(ctx.target.url, '{ myOffers { id } }', {}, { token: agent.token });
    return offers.myOffers.length > 0 ? true : undefined;
  }, 10_000);
  const results: AttackResult[] = [];
  const reads: [string, string, Record<string, unknown>][] = [
    ['`lead { source { publicKey } }` by the offered agent', 'query($id: ID!) { lead(id: $id) { id firstName source { id name publicKey } } }', { id: leadId }],
    ['`myOffers { lead { source { publicKey } } }`', '{ myOffers { id lead { id source { id name publicKey } } } }', {}],
  ];
  for (const [name, query, variables] of reads) {
    const { value, health } = await ctx.target.during(() => gql(ctx.target.url, query, variables, { token: agent.token }));
    const revealed = value.text.includes(source.publicKey);
    results.push({
      point: '5', name, sent: `${query} as the agent`,
      got: `${value.status}; ${errorsText(value)}; publicKey ${revealed ? 'REVEALED' : 'not in the answer'}`,
      expected: 'FORBIDDEN on publicKey, the key nowhere in the answer',
      held: !revealed && value.errors.some((e) => e.code === 'FORBIDDEN' && (e.path ?? '').endsWith('publicKey')),
      health,
    });
  }

  // The built-in "Forwarded email" source: its key would let an agent replay guessable Message-IDs.
  const forwarded = await httpRequest(`${ctx.target.url}/inbound/email`, {
    body: ['From: Portal <leads@portal.example>', `To: ${agent.leadEmail}`, 'Subject: lead',
      `Message-ID: <keyread-${Date.now()}@portal.example>`, 'Content-Type: text/plain', '', 'Name: Fay Forward', ''].join('\r\n'),
    headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': INBOUND_SECRET, 'x-forwarded-for': freshAddress() },
  });
  const forwardedLeadId = (JSON.parse(forwarded.body) as { leadId?: string }).leadId ?? '';
  const adminView = await gqlData<{ lead: { source: { publicKey: string } } }>(ctx.target.url,
    'query($id: ID!) { lead(id: $id) { source { publicKey } } }', { id: forwardedLeadId }, { token: ADMIN_TOKEN });
  const query = 'query($id: ID!) { lead(id: $id) { id firstName source { id name publicKey } } }';
  const { value, health } = await ctx.target.during(() => gql(ctx.target.url, query, { id: forwardedLeadId }, { token: agent.token }));
  const revealed = value.text.includes(adminView.lead.source.publicKey);
  results.push({
    point: '5', name: 'the forwarded-email source\'s publicKey, read by the agent who owns the forwarded lead',
    sent: `${query} as the lead's owner`,
    got: `${value.status}; ${errorsText(value)}; publicKey ${revealed ? 'REVEALED' : 'not in the answer'}`,
    expected: 'FORBIDDEN on publicKey, the key nowhere in the answer',
    held: !revealed && value.errors.some((e) => e.code === 'FORBIDDEN' && (e.path ?? '').endsWith('publicKey')),
    health,
  });
  return results;
}

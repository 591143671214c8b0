// Issue 12 point 8: an admin gives a routing lead to an agent whose offer of it is pending. That
// agent's offer must become ACCEPTED (not "taken by another agent"), and their SMS and email carry
// the lead's contact details; the other racer's offer is TAKEN.
import { ADMIN_TOKEN, createAgents, createSource, submitAsAdmin, waitFor, type AttackContext } from '../context.js';
import { gql, gqlData } from '../http.js';
import type { AttackResult } from '../report.js';

interface OfferView { state: string; agent: { id: string } }

export async function setOwnerToOfferedAgent(ctx: AttackContext): Promise<AttackResult> {
  const agents = await createAgents(ctx, 'owner', 2);
  const [chosen, other] = agents;
  if (!chosen || !other) throw new Error('no agents');
  const source = await createSource(ctx, 'owner', agents, { race: 2 });
  const contact = { email: 'olive.owner@client.example', phone: '+15125550188' };
  const leadId = await submitAsAdmin(ctx, source.id, { firstName: 'Olive', lastName: 'Client', message: 'assign me', ...contact });
  const offersOf = async () => (await gqlData<{ lead: { offers: OfferView[] } }>(ctx.target.url,
    'query($id: ID!) { lead(id: $id) { offers { state agent { id } } } }', { id: leadId }, { token: ADMIN_TOKEN })).lead.offers;
  await waitFor(async () => ((await offersOf()).filter((o) => o.state === 'PENDING').length === 2 ? true : undefined), 10_000);
  const smsBefore = ctx.sms.received.length;
  const mailsBefore = ctx.smtp.mails.length;
  const { value, health } = await ctx.target.during(async () => {
    const answer = await gql(ctx.target.url, 'mutation($leadId: ID!, $userId: ID!) { setLeadOwner(leadId: $leadId, userId: $userId) { id state owner { id } } }',
      { leadId, userId: chosen.id }, { token: ADMIN_TOKEN });
    // The confirmation carries the lead's phone; wait for it on both channels (up to 30 s: an
    // earlier attack may have left the outbox busy).
    const sms = await waitFor(() => ctx.sms.received.slice(smsBefore).find((s) => s.to === chosen.phone && s.body.includes(contact.phone)), 30_000);
    const mail = await waitFor(() => ctx.smtp.mails.slice(mailsBefore).find((m) => m.to.includes(chosen.email) && m.text.includes(contact.email)), 30_000);
    const chosenTexts = ctx.sms.received.slice(smsBefore).filter((s) => s.to === chosen.phone).map((s) => s.body);
    return { answer, offers: await offersOf(), sms, mail, chosenTexts };
  });
  const mine = value.offers.find((o) => o.agent.id === chosen.id)?.state ?? 'none';
  const theirs = value.offers.find((o) => o.agent.id === other.id)?.state ?? 'none';
  return {
    point: '8',
    name: '`setLeadOwner` to the agent whose offer is pending',
    sent: 'setLeadOwner(lead, agent) while that agent and one other hold PENDING offers of it',
    got: `${value.answer.status}${value.answer.errors[0] ? ` ${value.answer.errors[0].code}` : ''}; their offer ${mine}, the other's ${theirs}; `
      + `contact details in their SMS: ${value.sms ? 'yes' : `no (${JSON.stringify(value.chosenTexts.slice(-1)[0] ?? '')})`}, in their email: ${value.mail ? 'yes' : 'no'}`,
    expected: 'their offer ACCEPTED (the other TAKEN), the contact details sent to them by SMS and email',
    held: mine === 'ACCEPTED' && theirs === 'TAKEN' && value.sms !== undefined && value.mail !== undefined,
    health,
  };
}

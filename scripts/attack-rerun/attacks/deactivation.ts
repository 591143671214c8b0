// Issue 12 point 6: an agent deactivated while holding a pending offer. The offer must close and the
// lead move on to the next agent at once, not when the (here one-hour) window ends.
import { ADMIN_TOKEN, createAgents, createSource, submitAsAdmin, waitFor, type Agent, type AttackContext } from '../context.js';
import { gql, gqlData } from '../http.js';
import type { AttackResult } from '../report.js';

/** How soon "at once" has to be; the window is an hour. */
const AT_ONCE_MS = 3000;

interface OfferView { state: string; agent: { id: string } }

const offersOf = async (ctx: AttackContext, leadId: string): Promise<OfferView[]> =>
  (await gqlData<{ lead: { offers: OfferView[] } }>(ctx.target.url,
    'query($id: ID!) { lead(id: $id) { offers { state agent { id } } } }', { id: leadId }, { token: ADMIN_TOKEN })).lead.offers;

export async function deactivateOfferedAgent(ctx: AttackContext): Promise<AttackResult> {
  const agents = await createAgents(ctx, 'deact', 2);
  const source = await createSource(ctx, 'deact', agents, { race: 1, windowSeconds: 3600 });
  const leadId = await submitAsAdmin(ctx, source.id, { firstName: 'Dee', message: 'offered, then the agent leaves' });
  const first = await waitFor(async () => (await offersOf(ctx, leadId)).find((o) => o.state === 'PENDING'), 10_000);
  const offered: Agent | undefined = agents.find((a) => a.id === first?.agent.id);
  const next = agents.find((a) => a !== offered);
  if (!offered || !next) throw new Error('the lead was not offered to one of the two agents');
  const { value, health } = await ctx.target.during(async () => {
    const started = performance.now();
    const deactivation = await gql(ctx.target.url, 'mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { id active } }',
      { id: offered.id }, { token: ADMIN_TOKEN });
    const moved = await waitFor(async () => {
      const offers = await offersOf(ctx, leadId);
      const closed = offers.find((o) => o.agent.id === offered.id && o.state !== 'PENDING');
      const onward = offers.find((o) => o.agent.id === next.id && o.state === 'PENDING');
      return closed && onward ? { closed, onward } : undefined;
    }, AT_ONCE_MS);
    return { deactivation, moved, ms: performance.now() - started, offers: await offersOf(ctx, leadId) };
  });
  return {
    point: '6',
    name: 'deactivating an agent who holds a pending offer (window 1 h)',
    sent: 'updateUser(active: false) on the agent holding the only PENDING offer',
    got: `${value.deactivation.status}${value.deactivation.errors.length ? ` ${value.deactivation.errors[0]?.code}` : ''}; `
      + (value.moved ? `their offer ${value.moved.closed.state} and the lead offered to the next agent within ${Math.round(value.ms)} ms`
        : `after ${AT_ONCE_MS} ms offers are ${value.offers.map((o) => `${o.agent.id === offered.id ? 'deactivated' : 'next'}:${o.state}`).join(', ')}`),
    expected: `their offer closed and the lead offered to the next agent at once (≤ ${AT_ONCE_MS} ms), not after the window`,
    held: value.moved !== undefined,
    health,
  };
}

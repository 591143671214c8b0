// Seeds a benchmark's brokerage through the real API: offices, agents (created and given API
// tokens in aliased batches, several batches in parallel), and lead sources.
import type { HttpGql } from './http-client.js';
import { ADMIN_TOKEN } from './server.js';
import { pool } from './stats.js';

export interface Agent {
  id: string;
  token: string;
}

/** Mutations per request: many small transactions in one round trip. */
const BATCH = 50;
const PARALLEL = 4;

export async function createOffice(http: HttpGql, name: string): Promise<string> {
  const d = await http.data<{ createOffice: { id: string } }>(
    'mutation($name: String!) { createOffice(input: { name: $name }) { id } }', { name }, ADMIN_TOKEN);
  return d.createOffice.id;
}

/** Creates `count` agents in `officeId`, each with an API token. Names are prefix-unique. */
export async function createAgents(http: HttpGql, count: number, officeId: string, prefix: string): Promise<Agent[]> {
  const agents: Agent[] = new Array<Agent>(count);
  const batches = Math.ceil(count / BATCH);
  await pool(batches, PARALLEL, async (b) => {
    const from = b * BATCH;
    const to = Math.min(count, from + BATCH);
    const users: string[] = [];
    for (let i = from; i < to; i++) {
      users.push(`u${i}: createUser(input: { name: "${prefix} agent ${i}", email: "${prefix}-${i}@bench.example",
        role: AGENT, officeIds: ["${officeId}"], handle: "${prefix}-${i}" }) { id }`);
    }
    const created = await http.data<Record<string, { id: string }>>(`mutation { ${users.join('\n')} }`, undefined, ADMIN_TOKEN);
    const tokens: string[] = [];
    for (let i = from; i < to; i++) {
      const user = created[`u${i}`];
      if (!user) throw new Error(`agent ${i} was not created`);
      tokens.push(`t${i}: issueApiToken(userId: "${user.id}") { token }`);
    }
    const issued = await http.data<Record<string, { token: string }>>(`mutation { ${tokens.join('\n')} }`, undefined, ADMIN_TOKEN);
    for (let i = from; i < to; i++) {
      const user = created[`u${i}`];
      const token = issued[`t${i}`];
      if (!user || !token) throw new Error(`agent ${i} has no token`);
      agents[i] = { id: user.id, token: token.token };
    }
  });
  return agents;
}

export interface Source {
  id: string;
  publicKey: string;
}

export async function createSource(http: HttpGql, input: {
  name: string; raceAgentCount: number; acceptanceWindowSeconds: number; officeIds?: string[];
}): Promise<Source> {
  const d = await http.data<{ createLeadSource: Source }>(
    'mutation($input: LeadSourceInput!) { createLeadSource(input: $input) { id publicKey } }',
    { input: { ...input, allowDirectToUser: false } }, ADMIN_TOKEN);
  return d.createLeadSource;
}

export const SUBMIT = 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id kind state createdAt } }';
export const OFFERS = 'subscription { offers { type offer { id state round expiresAt lead { id firstName } } } }';
export const TRIVIAL = '{ __typename }';

export interface OfferEvent {
  offers: { type: string; offer: { id: string; state: string; round: number; expiresAt: string; lead: { id: string; firstName: string } } };
}

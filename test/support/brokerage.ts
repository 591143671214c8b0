// Builds a small brokerage through the API for end-to-end tests: offices, agents with tokens.
import type { LeadSourceInput } from '../../src/sdk/generated.js';
import type { Sdk, TestServer } from './server.js';

export interface TestAgent {
  id: string;
  token: string;
  sdk: Sdk;
  email: string;
}

let seq = 0;

export async function createAgent(t: TestServer, opts: { officeIds?: string[]; name?: string; role?: 'AGENT' | 'ADMIN' } = {}): Promise<TestAgent> {
  seq += 1;
  const email = `agent${seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const { createUser } = await t.admin.CreateUser({
    input: { name: opts.name ?? `Agent ${seq}`, email, phone: `+1512555${String(1000 + seq).slice(-4)}`, role: opts.role ?? 'AGENT', officeIds: opts.officeIds ?? [] },
  });
  const { issueApiToken } = await t.admin.IssueApiToken({ userId: createUser.id });
  return { id: createUser.id, token: issueApiToken.token, sdk: t.sdk(issueApiToken.token), email };
}

/** A tuple of N agents, so that `const [a, b] = await createAgents(t, 2)` is typed without undefined. */
type Agents<N extends number, R extends TestAgent[] = []> = R['length'] extends N ? R : Agents<N, [...R, TestAgent]>;

export async function createAgents<N extends number>(t: TestServer, n: N, opts: { officeIds?: string[] } = {}): Promise<Agents<N>> {
  const out: TestAgent[] = [];
  for (let i = 0; i < n; i++) out.push(await createAgent(t, opts));
  return out as Agents<N>;
}

/**
 * A source's public key as an admin reads it. LeadSource.publicKey is nullable (null with FORBIDDEN
 * for anyone else), so an admin's answer must carry it.
 */
export function keyOf(source: { publicKey?: string | null }): string {
  if (!source.publicKey) throw new Error('an admin was not given the source\'s publicKey');
  return source.publicKey;
}

export async function createSource(t: TestServer, input: Partial<LeadSourceInput> = {}) {
  seq += 1;
  const { createLeadSource } = await t.admin.CreateLeadSource({ input: { name: `Source ${seq}`, ...input } });
  return { ...createLeadSource, publicKey: keyOf(createLeadSource) };
}

/** The ids of the agents offered a lead, as the admin sees them, by round. */
export async function offersOf(t: TestServer, leadId: string) {
  const { lead } = await t.admin.Lead({ id: leadId });
  return lead.offers;
}

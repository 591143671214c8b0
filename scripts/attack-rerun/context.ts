// What every attack is handed: the server, the two local providers, the admin token, and a few
// helpers to set up what an attack needs through the API (agents with tokens and phones, a lead
// group and a source of their own, so that one attack's leads are never offered to another's agents).
import { ADMIN_TOKEN } from '../bench/lib/server.js';
import { gqlData } from './http.js';
import type { SmsReceiver, SmtpReceiver } from './providers.js';
import type { Target } from './target.js';

export { ADMIN_TOKEN };

/** The X-Inbound-Secret the server is started with. */
export const INBOUND_SECRET = 'attack-rerun-inbound-secret-0123456789';

export interface AttackContext {
  target: Target;
  sms: SmsReceiver;
  smtp: SmtpReceiver;
}

export interface Agent {
  id: string;
  name: string;
  email: string;
  phone: string;
  token: string;
  /** The agent's lead forwarding address (<handle>.leads@<domain>). */
  leadEmail: string;
}

export interface Source {
  id: string;
  publicKey: string;
}

let addressCounter = 0;
/**
 * A client address no other attack has used (sent as X-Forwarded-For; the server trusts the proxy
 * header), so each attack meets the intake and login limits with a full allowance.
 */
export function freshAddress(): string {
  addressCounter += 1;
  return `10.77.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

let userCounter = 0;

/** Creates `n` agents (each with a phone, an API token and, if given, a password) through the API. */
export async function createAgents(ctx: AttackContext, label: string, n: number, password?: string): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let i = 0; i < n; i++) {
    userCounter += 1;
    const email = `${label}-${userCounter}@attack.example`;
    const phone = `+1512555${String(userCounter).padStart(4, '0')}`;
    const name = `${label} Agent${userCounter}`;
    const { createUser } = await gqlData<{ createUser: { id: string; leadEmail: string } }>(ctx.target.url,
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id leadEmail } }`,
      { input: { name, email, phone, role: 'AGENT', handle: `${label.toLowerCase()}-${userCounter}`, ...(password ? { password } : {}) } },
      { token: ADMIN_TOKEN });
    const { issueApiToken } = await gqlData<{ issueApiToken: { token: string } }>(ctx.target.url,
      `mutation($userId: ID!) { issueApiToken(userId: $userId) { token } }`, { userId: createUser.id }, { token: ADMIN_TOKEN });
    agents.push({ id: createUser.id, name, email, phone, token: issueApiToken.token, leadEmail: createUser.leadEmail });
  }
  return agents;
}

/** A source whose general leads go only to `agents` (a lead group of them), `race` at a time. */
export async function createSource(ctx: AttackContext, label: string, agents: readonly Agent[],
  options: { race?: number; windowSeconds?: number } = {}): Promise<Source> {
  const { createLeadGroup } = await gqlData<{ createLeadGroup: { id: string } }>(ctx.target.url,
    `mutation($name: String!, $memberIds: [ID!]!) { createLeadGroup(input: { name: $name, memberIds: $memberIds }) { id } }`,
    { name: `${label} group`, memberIds: agents.map((a) => a.id) }, { token: ADMIN_TOKEN });
  const { createLeadSource } = await gqlData<{ createLeadSource: Source }>(ctx.target.url,
    `mutation($input: LeadSourceInput!) { createLeadSource(input: $input) { id publicKey } }`,
    { input: { name: `${label} source`, leadGroupId: createLeadGroup.id, raceAgentCount: options.race ?? 1,
      acceptanceWindowSeconds: options.windowSeconds ?? 3600 } },
    { token: ADMIN_TOKEN });
  return createLeadSource;
}

/** Submits a lead as the admin (by sourceId: no intake limit applies); returns its id. */
export async function submitAsAdmin(ctx: AttackContext, sourceId: string, lead: Record<string, string>): Promise<string> {
  const { submitLead } = await gqlData<{ submitLead: { id: string } }>(ctx.target.url,
    `mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id } }`,
    { input: { sourceId, ...lead } }, { token: ADMIN_TOKEN });
  return submitLead.id;
}

/** Polls `check` every 50 ms until it returns a value (not undefined) or `timeoutMs` passes (then undefined). */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > until) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Agents for the notification and intake tests, with the contact details messages go to: their
// email, phone (optional) and lead forwarding address.
import type { Sdk, TestServer } from './server.js';

export interface ContactableAgent {
  id: string;
  token: string;
  sdk: Sdk;
  email: string;
  phone: string | null;
  leadEmail: string;
}

let seq = 0;

export async function createContactableAgent(t: TestServer, opts: { officeIds?: string[]; phone?: string | null; name?: string } = {}): Promise<ContactableAgent> {
  seq += 1;
  const tag = `${seq}${Math.random().toString(36).slice(2, 7)}`;
  const phone = opts.phone === undefined ? `+1737555${String(1000 + (seq % 9000)).slice(-4)}` : opts.phone;
  const { createUser } = await t.admin.CreateUser({
    input: { name: opts.name ?? `Notify Agent ${tag}`, email: `notify${tag}@brokerage.example`, phone, role: 'AGENT', officeIds: opts.officeIds ?? [] },
  });
  const { issueApiToken } = await t.admin.IssueApiToken({ userId: createUser.id });
  return {
    id: createUser.id, token: issueApiToken.token, sdk: t.sdk(issueApiToken.token),
    email: createUser.email, phone: createUser.phone ?? null, leadEmail: createUser.leadEmail,
  };
}

export async function createOffice(t: TestServer): Promise<string> {
  return (await t.admin.CreateOffice({ name: `Office ${Math.random().toString(36).slice(2)}` })).createOffice.id;
}

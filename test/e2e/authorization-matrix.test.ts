// The authorization audit: every Query, Mutation and Subscription field of the live schema, called
// as anonymous, agent A, agent B and an admin, against leads in every state, over real HTTP and
// graphql-ws. RULES must name every root field, so a new field without a rule fails this file.
// Raw GraphQL strings (not the SDK): the operation for each field is built from its schema arguments.
import type { GraphQLField, GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/graphql/schema.js';
import { WsCloseCode } from '../../src/server/ws-limits.js';
import { eventually, openRaw, type ServerMessage } from '../support/hardening.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

type Who = 'anonymous' | 'agentA' | 'agentB' | 'admin';
const CALLERS: readonly Who[] = ['anonymous', 'agentA', 'agentB', 'admin'];
type Outcome = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';

/**
 * Each rule says what each caller gets. Targets are built so that agent A is the one related to
 * the object (owner, offered agent) and agent B is a stranger to it.
 */
const RULE_OUTCOMES = {
  /** Anyone, signed in or not (login, a web form's submitLead with the source key). */
  'anonymous-ok': { anonymous: 'OK', agentA: 'OK', agentB: 'OK', admin: 'OK' },
  /** Any signed-in user; the answer is about the caller or company-wide and contact-free. */
  'signed-in': { anonymous: 'UNAUTHENTICATED', agentA: 'OK', agentB: 'OK', admin: 'OK' },
  /** Any signed-in user, acting on themselves only (their offers, availability). */
  self: { anonymous: 'UNAUTHENTICATED', agentA: 'OK', agentB: 'OK', admin: 'OK' },
  admin: { anonymous: 'UNAUTHENTICATED', agentA: 'FORBIDDEN', agentB: 'FORBIDDEN', admin: 'OK' },
  /** A lead offered to A: admins and A see it (A without contact details); B is told it does not exist. */
  'lead-visibility': { anonymous: 'UNAUTHENTICATED', agentA: 'OK', agentB: 'NOT_FOUND', admin: 'OK' },
  /** A lead A owns: owner (and users) and admins; a stranger gets NOT_FOUND. */
  'lead-worker': { anonymous: 'UNAUTHENTICATED', agentA: 'OK', agentB: 'NOT_FOUND', admin: 'OK' },
  /** A lead A owns, with the default company settings (agents may not change owner or users). */
  'lead-owner-if-settings': { anonymous: 'UNAUTHENTICATED', agentA: 'FORBIDDEN', agentB: 'NOT_FOUND', admin: 'OK' },
  /** A lead A owns: only an admin returns it to the pool. */
  'admin-on-lead': { anonymous: 'UNAUTHENTICATED', agentA: 'FORBIDDEN', agentB: 'NOT_FOUND', admin: 'OK' },
  /** An offer to A: only A answers it; to anyone else, admins included, it does not exist. */
  'offer-recipient': { anonymous: 'UNAUTHENTICATED', agentA: 'OK', agentB: 'NOT_FOUND', admin: 'NOT_FOUND' },
} as const satisfies Record<string, Record<Who, Outcome>>;
type Rule = keyof typeof RULE_OUTCOMES;

const RULES: Record<string, Rule> = {
  // Query
  'Query.companySettings': 'signed-in',
  'Query.lead': 'lead-visibility',
  'Query.leadGroups': 'admin',
  'Query.leadSource': 'admin',
  'Query.leadSources': 'admin',
  'Query.leadStats': 'admin',
  'Query.leads': 'signed-in',
  'Query.me': 'self',
  'Query.myOffers': 'self',
  'Query.notifications': 'admin',
  'Query.offices': 'signed-in',
  'Query.statusCodes': 'signed-in',
  'Query.tags': 'signed-in',
  'Query.users': 'admin',
  // Mutation
  'Mutation.acceptOffer': 'offer-recipient',
  'Mutation.addLeadUser': 'lead-owner-if-settings',
  'Mutation.createLeadGroup': 'admin',
  'Mutation.createLeadSource': 'admin',
  'Mutation.createOffice': 'admin',
  'Mutation.createStatusCode': 'admin',
  'Mutation.createTag': 'admin',
  'Mutation.createUser': 'admin',
  'Mutation.declineOffer': 'offer-recipient',
  'Mutation.haltUser': 'admin',
  'Mutation.issueApiToken': 'admin',
  'Mutation.login': 'anonymous-ok',
  'Mutation.removeLeadUser': 'lead-owner-if-settings',
  'Mutation.reorderStatusCodes': 'admin',
  'Mutation.resumeUser': 'admin',
  'Mutation.returnLeadToBroker': 'admin-on-lead',
  'Mutation.rotateLeadSourceKey': 'admin',
  'Mutation.setLeadOwner': 'lead-owner-if-settings',
  'Mutation.setLeadStatus': 'lead-worker',
  'Mutation.setMyAvailability': 'self',
  'Mutation.setUserTags': 'admin',
  'Mutation.submitLead': 'anonymous-ok',
  'Mutation.updateCompanySettings': 'admin',
  'Mutation.updateLeadGroup': 'admin',
  'Mutation.updateLeadSource': 'admin',
  'Mutation.updateStatusCode': 'admin',
  'Mutation.updateUser': 'admin',
  // Subscription (anonymous: the socket is refused with 4403 before any operation)
  'Subscription.leadEvents': 'lead-worker',
  'Subscription.offers': 'self',
};

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

interface Person { id: string; token: string }

let t: TestServer;
let seq = 0;
const unique = (what: string) => `${what} ${++seq}-${Math.random().toString(36).slice(2, 7)}`;

async function gql(token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer;
}

/** An admin call that must succeed (setting up the objects a call needs). */
async function asAdmin<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const a = await gql(ADMIN_TOKEN, query, variables);
  if (a.errors?.length || !a.data) throw new Error(`admin setup call failed: ${JSON.stringify(a.errors)} for ${query}`);
  return a.data as T;
}

let A: Person;
let B: Person;
let adminId: string;
let passwordUser: { email: string; password: string };
let statusCodeId: string;
/** Every agent is out of this group: leads of its sources go UNASSIGNED unless given an owner. */
let emptyGroupId: string;
let poolSourceId: string;
let poolSourceKey: string;
/** General leads offered to agent A alone. */
let routeToASourceId: string;
/** Direct leads wait for the target's accept (no auto-accept). */
let directSourceId: string;
const leads = { routing: '', assigned: '', unassigned: '', withUser: '' };
let routingOfferId: string;

const CONTACT = { lastName: 'Secret', email: 'prospect@example.com', phone: '+15125550123' };

async function newUser(role: 'AGENT' | 'ADMIN' = 'AGENT', password?: string): Promise<string> {
  const email = `${unique('u').replace(/\W/g, '')}@example.com`;
  const d = await asAdmin<{ createUser: { id: string } }>(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { name: unique('User'), email, role, ...(password ? { password } : {}) } });
  if (password) passwordUser = { email, password };
  return d.createUser.id;
}

async function newAgent(officeId: string): Promise<Person> {
  const email = `${unique('agent').replace(/\W/g, '')}@example.com`;
  const { createUser } = await asAdmin<{ createUser: { id: string } }>(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { name: unique('Agent'), email, role: 'AGENT', officeIds: [officeId] } });
  const { issueApiToken } = await asAdmin<{ issueApiToken: { token: string } }>(
    'mutation($id: ID!) { issueApiToken(userId: $id) { token } }', { id: createUser.id });
  return { id: createUser.id, token: issueApiToken.token };
}

async function newSource(input: Record<string, unknown>): Promise<{ id: string; publicKey: string }> {
  const d = await asAdmin<{ createLeadSource: { id: string; publicKey: string } }>(
    'mutation($input: LeadSourceInput!) { createLeadSource(input: $input) { id publicKey } }',
    { input: { name: unique('Source'), ...input } });
  return d.createLeadSource;
}

async function submit(sourceId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const d = await asAdmin<{ submitLead: { id: string } }>(
    'mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id } }',
    { input: { sourceId, firstName: 'Prospect', ...CONTACT, ...extra } });
  return d.submitLead.id;
}

/** A fresh ASSIGNED lead owned by `ownerId` (a throwaway for calls that change it). */
async function leadOwnedBy(ownerId: string): Promise<string> {
  const id = await submit(poolSourceId);
  await asAdmin('mutation($l: ID!, $u: ID!) { setLeadOwner(leadId: $l, userId: $u) { id } }', { l: id, u: ownerId });
  return id;
}

/** A fresh PENDING direct offer to `userId`. */
async function offerTo(userId: string): Promise<string> {
  const leadId = await submit(directSourceId, { targetUserId: userId });
  const d = await asAdmin<{ lead: { offers: { id: string; state: string; agent: { id: string } }[] } }>(
    'query($id: ID!) { lead(id: $id) { offers { id state agent { id } } } }', { id: leadId });
  const offer = d.lead.offers.find((o) => o.agent.id === userId && o.state === 'PENDING');
  if (!offer) throw new Error(`no pending offer to ${userId} on lead ${leadId}`);
  return offer.id;
}

const tokenOf = (who: Who): string | null =>
  who === 'anonymous' ? null : who === 'admin' ? ADMIN_TOKEN : who === 'agentA' ? A.token : B.token;
const idOf = (who: Who): string => (who === 'agentA' ? A.id : who === 'agentB' ? B.id : adminId);

interface Call {
  variables: Record<string, unknown>;
  /** Subscriptions: what makes an event the subscriber should see; repeated until one arrives. */
  trigger?: () => Promise<void>;
}

/** Valid arguments for each field, built fresh per call so that mutations act on throwaway objects. */
const ARGUMENTS: Record<string, (who: Who) => Promise<Call>> = {
  'Query.companySettings': async () => ({ variables: {} }),
  'Query.lead': async () => ({ variables: { id: leads.routing } }),
  'Query.leadGroups': async () => ({ variables: {} }),
  'Query.leadSource': async () => ({ variables: { id: poolSourceId } }),
  'Query.leadSources': async () => ({ variables: {} }),
  'Query.leadStats': async () => ({ variables: {} }),
  'Query.leads': async () => ({ variables: { first: 5 } }),
  'Query.me': async () => ({ variables: {} }),
  'Query.myOffers': async () => ({ variables: {} }),
  'Query.notifications': async () => ({ variables: { leadId: leads.assigned } }),
  'Query.offices': async () => ({ variables: {} }),
  'Query.statusCodes': async () => ({ variables: {} }),
  'Query.tags': async () => ({ variables: {} }),
  'Query.users': async () => ({ variables: {} }),

  'Mutation.acceptOffer': async () => ({ variables: { offerId: await offerTo(A.id) } }),
  'Mutation.declineOffer': async () => ({ variables: { offerId: await offerTo(A.id) } }),
  'Mutation.addLeadUser': async () => ({ variables: { leadId: await leadOwnedBy(A.id), userId: await newUser() } }),
  'Mutation.removeLeadUser': async () => {
    const leadId = await leadOwnedBy(A.id);
    const userId = await newUser();
    await asAdmin('mutation($l: ID!, $u: ID!) { addLeadUser(leadId: $l, userId: $u) { id } }', { l: leadId, u: userId });
    return { variables: { leadId, userId } };
  },
  'Mutation.setLeadOwner': async () => ({ variables: { leadId: await leadOwnedBy(A.id), userId: await newUser() } }),
  'Mutation.setLeadStatus': async () => ({ variables: { leadId: await leadOwnedBy(A.id), statusCodeId } }),
  'Mutation.returnLeadToBroker': async () => ({ variables: { leadId: await leadOwnedBy(A.id) } }),
  'Mutation.createLeadGroup': async () => ({ variables: { input: { name: unique('Group'), memberIds: [] } } }),
  'Mutation.createLeadSource': async () => ({ variables: { input: { name: unique('Source') } } }),
  'Mutation.createOffice': async () => ({ variables: { input: { name: unique('Office') } } }),
  'Mutation.createStatusCode': async () => ({ variables: { input: { name: unique('Status') } } }),
  'Mutation.createTag': async () => ({ variables: { input: { name: unique('Tag') } } }),
  'Mutation.createUser': async () => ({
    variables: { input: { name: unique('New'), email: `${unique('new').replace(/\W/g, '')}@example.com`, role: 'AGENT' } },
  }),
  'Mutation.haltUser': async () => ({ variables: { input: { userId: await newUser(), reason: 'audit' } } }),
  'Mutation.resumeUser': async () => {
    const userId = await newUser();
    await asAdmin('mutation($input: HaltUserInput!) { haltUser(input: $input) { id } }', { input: { userId } });
    return { variables: { userId } };
  },
  'Mutation.issueApiToken': async () => ({ variables: { userId: await newUser() } }),
  'Mutation.login': async () => ({ variables: { ...passwordUser } }),
  'Mutation.reorderStatusCodes': async () => {
    const d = await asAdmin<{ statusCodes: { id: string }[] }>('{ statusCodes(includeArchived: true) { id } }');
    return { variables: { ids: d.statusCodes.map((s) => s.id) } };
  },
  'Mutation.rotateLeadSourceKey': async () => ({ variables: { id: (await newSource({ leadGroupId: emptyGroupId })).id } }),
  'Mutation.setMyAvailability': async () => ({ variables: { inOffice: true } }),
  'Mutation.setUserTags': async () => ({ variables: { userId: await newUser(), tagIds: [] } }),
  'Mutation.submitLead': async () => ({ variables: { input: { sourceKey: poolSourceKey, firstName: 'Form', ...CONTACT } } }),
  'Mutation.updateCompanySettings': async () => ({ variables: { input: {} } }),
  'Mutation.updateLeadGroup': async () => {
    const d = await asAdmin<{ createLeadGroup: { id: string } }>(
      'mutation($input: CreateLeadGroupInput!) { createLeadGroup(input: $input) { id } }', { input: { name: unique('Group'), memberIds: [] } });
    return { variables: { id: d.createLeadGroup.id, input: { name: unique('Renamed') } } };
  },
  'Mutation.updateLeadSource': async () => ({
    variables: { id: (await newSource({ leadGroupId: emptyGroupId })).id, input: { name: unique('Renamed') } },
  }),
  'Mutation.updateStatusCode': async () => {
    const d = await asAdmin<{ createStatusCode: { id: string } }>(
      'mutation($input: CreateStatusCodeInput!) { createStatusCode(input: $input) { id } }', { input: { name: unique('Status') } });
    return { variables: { id: d.createStatusCode.id, input: { name: unique('Renamed') } } };
  },
  'Mutation.updateUser': async () => ({ variables: { id: await newUser(), input: { name: unique('Renamed') } } }),

  'Subscription.leadEvents': async () => {
    const leadId = await leadOwnedBy(A.id);
    const codes = await asAdmin<{ statusCodes: { id: string; archived: boolean }[] }>('{ statusCodes(includeArchived: false) { id archived } }');
    let i = 0;
    return {
      variables: { leadId },
      trigger: async () => {
        const code = codes.statusCodes[i++ % codes.statusCodes.length];
        if (code) await asAdmin('mutation($l: ID!, $s: ID!) { setLeadStatus(leadId: $l, statusCodeId: $s) { id } }', { l: leadId, s: code.id });
      },
    };
  },
  'Subscription.offers': async (who) => ({
    variables: {},
    trigger: async () => { if (who !== 'anonymous') await offerTo(idOf(who)); },
  }),
};

/** Selections that show contact details where a field leads to a lead; a bare __typename elsewhere. */
const SELECTIONS: Record<string, string> = {
  'Subscription.offers': '{ type offer { id lead { id lastName email phone } } }',
  'Subscription.leadEvents': '{ type lead { id lastName email phone } }',
};

/**
 * What each allowed subscriber sees of the lead in the event. offers: A and B are offered direct
 * leads they have not accepted (no contact details); leadEvents: a lead A owns.
 */
const SUBSCRIPTION_CONTACTS: Record<string, Partial<Record<Who, 'FULL' | 'LIMITED'>>> = {
  'Subscription.offers': { agentA: 'LIMITED', agentB: 'LIMITED', admin: 'FULL' },
  'Subscription.leadEvents': { agentA: 'FULL', admin: 'FULL' },
};

/** FULL or LIMITED: the contact fields of the first lead in an event payload. */
function contactsIn(payload: unknown): string {
  const text = JSON.stringify(payload);
  const lead = /"lead":(\{[^{}]*\})/.exec(text)?.[1];
  if (!lead) return `NO_LEAD ${text}`;
  const fields = JSON.parse(lead) as Record<string, unknown>;
  if (fields.lastName === CONTACT.lastName && fields.email === CONTACT.email && fields.phone === CONTACT.phone) return 'FULL';
  if (fields.lastName === null && fields.email === null && fields.phone === null) return 'LIMITED';
  return `MIXED ${lead}`;
}

/** `query($id: ID!) { lead(id: $id) { __typename } }`, from the field's arguments in the schema. */
function operationFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>, selection: string): string {
  const args = field.args.filter((a) => a.name in variables);
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const uses = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind}${defs ? `(${defs})` : ''} { ${field.name}${uses ? `(${uses})` : ''} ${selection} }`;
}

function outcomeOf(answer: Answer | ServerMessage['payload'], fieldName: string): Outcome | string {
  const a = answer as Answer | readonly { extensions?: { code?: string } }[];
  const errors = Array.isArray(a) ? a : (a as Answer).errors;
  if (errors?.length) return String(errors[0]?.extensions?.code ?? 'NO_CODE');
  const data = (a as Answer).data;
  return data?.[fieldName] != null ? 'OK' : 'NO_DATA';
}

const schema = getSchema();
const roots: [kind: 'query' | 'mutation' | 'subscription', type: GraphQLObjectType | null | undefined][] = [
  ['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()],
];
const schemaFields = roots.flatMap(([kind, type]) =>
  Object.values(type?.getFields() ?? {}).map((field) => ({ kind, key: `${type?.name ?? ''}.${field.name}`, field })));

beforeAll(async () => {
  t = await startTestServer();
  adminId = (await asAdmin<{ me: { id: string } }>('{ me { id } }')).me.id;
  const { createOffice } = await asAdmin<{ createOffice: { id: string } }>(
    'mutation($input: CreateOfficeInput!) { createOffice(input: $input) { id } }', { input: { name: unique('Office') } });
  A = await newAgent(createOffice.id);
  B = await newAgent(createOffice.id);
  await newUser('AGENT', 'correct horse battery staple');
  statusCodeId = (await asAdmin<{ createStatusCode: { id: string } }>(
    'mutation($input: CreateStatusCodeInput!) { createStatusCode(input: $input) { id } }', { input: { name: unique('Working') } })).createStatusCode.id;
  const group = (memberIds: string[]) => asAdmin<{ createLeadGroup: { id: string } }>(
    'mutation($input: CreateLeadGroupInput!) { createLeadGroup(input: $input) { id } }', { input: { name: unique('Group'), memberIds } });
  emptyGroupId = (await group([])).createLeadGroup.id;
  const pool = await newSource({ leadGroupId: emptyGroupId });
  poolSourceId = pool.id;
  poolSourceKey = pool.publicKey;
  routeToASourceId = (await newSource({ leadGroupId: (await group([A.id])).createLeadGroup.id, raceAgentCount: 1 })).id;
  directSourceId = (await newSource({ leadGroupId: emptyGroupId, allowDirectToUser: true, directToUserAutoAccept: false })).id;

  // ROUTING, with a pending general offer to A.
  leads.routing = await submit(routeToASourceId);
  const offered = await asAdmin<{ lead: { state: string; offers: { id: string; agent: { id: string }; state: string }[] } }>(
    'query($id: ID!) { lead(id: $id) { state offers { id state agent { id } } } }', { id: leads.routing });
  expect(offered.lead.state).toBe('ROUTING');
  expect(offered.lead.offers.map((o) => [o.agent.id, o.state])).toEqual([[A.id, 'PENDING']]);
  routingOfferId = offered.lead.offers[0]?.id ?? '';
  // ASSIGNED to A (A accepted a general offer).
  leads.assigned = await submit(routeToASourceId);
  const toAccept = await gql(A.token, '{ myOffers { id lead { id } } }');
  const offer = (toAccept.data?.myOffers as { id: string; lead: { id: string } }[]).find((o) => o.lead.id === leads.assigned);
  expect((await gql(A.token, 'mutation($id: ID!) { acceptOffer(offerId: $id) { id } }', { id: offer?.id })).errors).toBeUndefined();
  // UNASSIGNED, after A (the only eligible agent) declined it: A was offered it, so sees it limited.
  leads.unassigned = await submit(routeToASourceId);
  const toDecline = await gql(A.token, '{ myOffers { id lead { id } } }');
  const declined = (toDecline.data?.myOffers as { id: string; lead: { id: string } }[]).find((o) => o.lead.id === leads.unassigned);
  expect((await gql(A.token, 'mutation($id: ID!) { declineOffer(offerId: $id) { id } }', { id: declined?.id })).errors).toBeUndefined();
  expect((await asAdmin<{ lead: { state: string } }>('query($id: ID!) { lead(id: $id) { state } }', { id: leads.unassigned })).lead.state).toBe('UNASSIGNED');
  // ASSIGNED to A, with B as a user of the lead.
  leads.withUser = await leadOwnedBy(A.id);
  await asAdmin('mutation($l: ID!, $u: ID!) { addLeadUser(leadId: $l, userId: $u) { id } }', { l: leads.withUser, u: B.id });
});
afterAll(async () => { await t.close(); });

describe('the rule table', () => {
  it('names exactly the root fields of the schema: a field added without a rule fails here', () => {
    expect(Object.keys(RULES).sort()).toEqual(schemaFields.map((f) => f.key).sort());
    expect(Object.keys(ARGUMENTS).sort()).toEqual(schemaFields.map((f) => f.key).sort());
  });
});

describe('every root field, as anonymous, agent A, agent B and an admin, answers as its rule says', () => {
  for (const { kind, key, field } of schemaFields.filter((f) => f.kind !== 'subscription')) {
    it(`${key} (${RULES[key] ?? 'no rule'})`, async () => {
      const rule = RULES[key];
      const build = ARGUMENTS[key];
      if (!rule || !build) throw new Error(`no rule or arguments for ${key}`);
      const seen: Record<string, string> = {};
      for (const who of CALLERS) {
        const { variables } = await build(who);
        const answer = await gql(tokenOf(who), operationFor(kind, field, variables, SELECTIONS[key] ?? '{ __typename }'), variables);
        seen[who] = outcomeOf(answer, field.name);
      }
      expect(seen).toEqual(RULE_OUTCOMES[rule]);
    });
  }

  for (const { key, field } of schemaFields.filter((f) => f.kind === 'subscription')) {
    it(`${key} over graphql-ws (${RULES[key] ?? 'no rule'}); anonymous sockets are refused with 4403`, async () => {
      const rule = RULES[key];
      const build = ARGUMENTS[key];
      if (!rule || !build) throw new Error(`no rule or arguments for ${key}`);
      const seen: Record<string, string> = {};
      const contacts: Record<string, string> = {};
      for (const who of CALLERS) {
        const client = await openRaw(t.wsUrl, tokenOf(who) ?? '');
        if (who === 'anonymous') {
          expect((await client.closed).code).toBe(WsCloseCode.Forbidden);
          seen[who] = 'UNAUTHENTICATED';
          continue;
        }
        const { variables, trigger } = await build(who);
        client.subscribe('s', operationFor('subscription', field, variables, SELECTIONS[key] ?? '{ __typename }'), variables);
        // Events published before the subscription is registered are missed: trigger again until one lands.
        const message = await eventually(async () => {
          const m = client.messages.find((x) => x.id === 's' && (x.type === 'next' || x.type === 'error'));
          if (m) return m;
          await trigger?.();
          return undefined;
        }, `${key} as ${who}`);
        seen[who] = outcomeOf(message.payload, field.name);
        if (seen[who] === 'OK') contacts[who] = contactsIn(message.payload);
        client.socket.close(1000);
      }
      expect(seen).toEqual(RULE_OUTCOMES[rule]);
      expect(contacts).toEqual(SUBSCRIPTION_CONTACTS[key]);
    });
  }
});

describe('contact details (lastName, email, phone) go only to admins, owners and users', () => {
  const CONTACT_QUERY = 'query($id: ID!) { lead(id: $id) { lastName email phone } }';
  type Seen = 'FULL' | 'LIMITED' | string;
  async function contactSeen(who: Who, leadId: string): Promise<Seen> {
    const a = await gql(tokenOf(who), CONTACT_QUERY, { id: leadId });
    if (a.errors?.length) return String(a.errors[0]?.extensions?.code);
    const lead = a.data?.lead as Record<string, unknown>;
    if (lead.lastName === CONTACT.lastName && lead.email === CONTACT.email && lead.phone === CONTACT.phone) return 'FULL';
    if (lead.lastName === null && lead.email === null && lead.phone === null) return 'LIMITED';
    return `MIXED ${JSON.stringify(lead)}`;
  }
  const expected: Record<keyof typeof leads, Record<Who, Seen>> = {
    // A holds a pending offer: first name and message only.
    routing: { anonymous: 'UNAUTHENTICATED', agentA: 'LIMITED', agentB: 'NOT_FOUND', admin: 'FULL' },
    assigned: { anonymous: 'UNAUTHENTICATED', agentA: 'FULL', agentB: 'NOT_FOUND', admin: 'FULL' },
    // A declined it: still an offered agent, so still limited.
    unassigned: { anonymous: 'UNAUTHENTICATED', agentA: 'LIMITED', agentB: 'NOT_FOUND', admin: 'FULL' },
    withUser: { anonymous: 'UNAUTHENTICATED', agentA: 'FULL', agentB: 'FULL', admin: 'FULL' },
  };
  for (const state of Object.keys(expected) as (keyof typeof leads)[]) {
    it(`lead ${state}: ${JSON.stringify(expected[state])}`, async () => {
      const seen: Record<string, Seen> = {};
      for (const who of CALLERS) seen[who] = await contactSeen(who, leads[state]);
      expect(seen).toEqual(expected[state]);
    });
  }

  it("an offered agent's offer shows the lead without contact details, and no owner, users or audit trail", async () => {
    const a = await gql(A.token, '{ myOffers { id lead { id lastName email phone owner { id } users { id } events { id } } } }');
    const mine = (a.data?.myOffers as { id: string; lead: Record<string, unknown> }[]).find((o) => o.id === routingOfferId);
    expect(mine?.lead).toEqual({ id: leads.routing, lastName: null, email: null, phone: null, owner: null, users: [], events: [] });
  });

  it('the lead list holds only leads the agent owns or works, with their contact details', async () => {
    const list = async (token: string) => {
      const a = await gql(token, '{ leads(first: 100) { edges { node { id email } } } }');
      return (a.data?.leads as { edges: { node: { id: string; email: string | null } }[] }).edges.map((e) => e.node);
    };
    const ofA = await list(A.token);
    const ofB = await list(B.token);
    expect(ofA.map((n) => n.id)).toEqual(expect.arrayContaining([leads.assigned, leads.withUser]));
    expect(ofA.map((n) => n.id)).not.toContain(leads.routing);
    expect(ofA.map((n) => n.id)).not.toContain(leads.unassigned);
    expect(ofB.map((n) => n.id)).toEqual([leads.withUser]);
    for (const node of [...ofA, ...ofB]) expect(node.email).not.toBeNull();
  });

  it('the offers subscription shows an offered agent the lead without contact details', async () => {
    const client = await openRaw(t.wsUrl, A.token);
    client.subscribe('o', 'subscription { offers { type offer { lead { id lastName email phone } } } }');
    const message = await eventually(async () => {
      const m = client.messages.find((x) => x.id === 'o');
      if (m) return m;
      await submit(routeToASourceId);
      return undefined;
    }, 'an offer event');
    expect(message.payload).toMatchObject({ data: { offers: { type: 'RECEIVED', offer: { lead: { lastName: null, email: null, phone: null } } } } });
    client.socket.close(1000);
  });

  it("leadEvents carries a lead's events only to those who see it in full: a user hears it, a stranger's changes never reach them", async () => {
    const client = await openRaw(t.wsUrl, B.token);
    client.subscribe('e', 'subscription { leadEvents { type lead { id lastName email phone } } }');
    const strangerLead = await leadOwnedBy(A.id);
    const codes = (await asAdmin<{ statusCodes: { id: string }[] }>('{ statusCodes(includeArchived: false) { id } }')).statusCodes;
    let i = 0;
    await eventually(async () => {
      if (client.messages.some((x) => x.id === 'e')) return true;
      const code = codes[i++ % codes.length]?.id;
      // A change to a lead B has nothing to do with, then one to the lead B works, in that order.
      for (const l of [strangerLead, leads.withUser]) {
        await asAdmin('mutation($l: ID!, $s: ID!) { setLeadStatus(leadId: $l, statusCodeId: $s) { id } }', { l, s: code });
      }
      return undefined;
    }, 'a lead event for B');
    for (const m of client.messages.filter((x) => x.id === 'e')) {
      expect(m.payload).toMatchObject({ data: { leadEvents: { lead: { id: leads.withUser, ...CONTACT } } } });
    }
    client.socket.close(1000);
  });

  it('leadEvents for one lead is NOT_FOUND to an agent who was only offered it', async () => {
    const client = await openRaw(t.wsUrl, A.token);
    client.subscribe('e', 'subscription($id: ID) { leadEvents(leadId: $id) { type } }', { id: leads.routing });
    const m = await client.waitFor((x) => x.id === 'e' && (x.type === 'error' || x.type === 'next'), 'the refusal');
    expect(outcomeOf(m.payload, 'leadEvents')).toBe('NOT_FOUND');
    client.socket.close(1000);
  });
});

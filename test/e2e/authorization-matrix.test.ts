// The authorization audit: every Query, Mutation and Subscription field of the live schema, called
// as anonymous, agent A, agent B and an admin, against leads in every state, over real HTTP and
// graphql-ws. RULES must name every root field, so a new field without a rule fails this file.
// Then every field of every object type, reached through some path (a lead's source, an offer's
// agent, a subscription's payload) as anonymous, agents and an admin: FIELD_RULES must name every
// one, and REACH must reach every object type.
// Raw GraphQL strings (not the SDK): the operation for each field is built from its schema arguments.
import { getNamedType, getNullableType, isListType, isNonNullType, isObjectType, type GraphQLField, type GraphQLObjectType } from 'graphql';
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
  'Query.apiTokens': 'admin',
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
  'Query.routingPreview': 'admin',
  'Query.statusCodes': 'signed-in',
  'Query.tags': 'signed-in',
  'Query.users': 'admin',
  'Query.webhooks': 'admin',
  // Mutation
  'Mutation.acceptOffer': 'offer-recipient',
  'Mutation.addLeadUser': 'lead-owner-if-settings',
  'Mutation.createLeadGroup': 'admin',
  'Mutation.createLeadSource': 'admin',
  'Mutation.createOffice': 'admin',
  'Mutation.createStatusCode': 'admin',
  'Mutation.createTag': 'admin',
  'Mutation.createUser': 'admin',
  'Mutation.createWebhook': 'admin',
  'Mutation.deleteWebhook': 'admin',
  'Mutation.declineOffer': 'offer-recipient',
  'Mutation.haltUser': 'admin',
  'Mutation.issueApiToken': 'admin',
  'Mutation.login': 'anonymous-ok',
  'Mutation.removeLeadUser': 'lead-owner-if-settings',
  'Mutation.reorderStatusCodes': 'admin',
  'Mutation.resumeUser': 'admin',
  'Mutation.returnLeadToBroker': 'admin-on-lead',
  'Mutation.revokeApiToken': 'admin',
  'Mutation.rotateLeadSourceKey': 'admin',
  'Mutation.setLeadOwner': 'lead-owner-if-settings',
  'Mutation.setLeadStatus': 'lead-worker',
  'Mutation.logContact': 'lead-worker',
  'Mutation.setMyAvailability': 'self',
  'Mutation.setUserTags': 'admin',
  'Mutation.submitLead': 'anonymous-ok',
  'Mutation.updateCompanySettings': 'admin',
  'Mutation.updateLeadGroup': 'admin',
  'Mutation.updateLeadSource': 'admin',
  // An agent changes their own zone and hours (anyone else's, or weight, cap and areas: admins only).
  'Mutation.updateRoutingProfile': 'self',
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
/** Its public key: what a web form (anyone) holds. */
let routeToAKey: string;
/** The routing lead's externalId: submitting it again with routeToAKey replays that lead. */
const ROUTING_EXTERNAL_ID = 'form-submission-1';
/** Direct leads wait for the target's accept (no auto-accept). */
let directSourceId: string;
const leads = { routing: '', assigned: '', unassigned: '', withUser: '' };
let routingOfferId: string;

const CONTACT = { lastName: 'Secret', email: 'prospect@example.com', phone: '+15125550123' };
/** Given, so that a property field shown where its rule hides it is SHOWN, not an indistinguishable null. */
const PROPERTY = { postalCode: '78731', propertyAddress: '4812 Lakeview Dr, Austin, TX 78731', price: 615000 };

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
    { input: { sourceId, firstName: 'Prospect', ...CONTACT, ...PROPERTY, ...extra } });
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

/** Where the matrix's webhooks point: a closed local port (their deliveries fail and are retried). */
const WEBHOOK_URL = 'http://127.0.0.1:9/matrix';

async function newWebhook(): Promise<string> {
  return (await asAdmin<{ createWebhook: { id: string } }>('mutation($input: WebhookInput!) { createWebhook(input: $input) { id } }',
    { input: { url: WEBHOOK_URL } })).createWebhook.id;
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
  'Query.apiTokens': async () => ({ variables: { userId: A.id } }),
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
  'Query.routingPreview': async () => ({ variables: { sourceId: poolSourceId } }),
  'Query.statusCodes': async () => ({ variables: {} }),
  'Query.tags': async () => ({ variables: {} }),
  'Query.users': async () => ({ variables: {} }),
  'Query.webhooks': async () => ({ variables: {} }),
  'Mutation.createWebhook': async () => ({ variables: { input: { url: WEBHOOK_URL } } }),
  'Mutation.deleteWebhook': async () => ({ variables: { id: await newWebhook() } }),

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
  'Mutation.logContact': async () => ({ variables: { leadId: await leadOwnedBy(A.id), kind: 'CALL' } }),
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
  'Mutation.revokeApiToken': async () => {
    const d = await asAdmin<{ issueApiToken: { id: string } }>('mutation($u: ID!) { issueApiToken(userId: $u) { id } }', { u: await newUser() });
    return { variables: { id: d.issueApiToken.id } };
  },
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
  'Mutation.updateRoutingProfile': async (who) => ({ variables: { userId: who === 'anonymous' ? A.id : idOf(who), input: { timeZone: 'UTC' } } }),

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
  // A Boolean: no selection.
  'Mutation.revokeApiToken': '',
  'Mutation.deleteWebhook': '',
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
  // Hundreds of probes replay a web form's submission and sign in: lift the abuse limits here.
  // Webhooks to a closed local port: their deliveries exist (and fail), for the WebhookDelivery probes.
  t = await startTestServer({ env: { INTAKE_RATE_PER_MINUTE: '1000000', LOGIN_RATE_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  adminId = (await asAdmin<{ me: { id: string } }>('{ me { id } }')).me.id;
  await newWebhook();
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
  const routeToA = await newSource({ leadGroupId: (await group([A.id])).createLeadGroup.id, raceAgentCount: 1 });
  routeToASourceId = routeToA.id;
  routeToAKey = routeToA.publicKey;
  directSourceId = (await newSource({ leadGroupId: emptyGroupId, allowDirectToUser: true, directToUserAutoAccept: false })).id;

  // ROUTING, with a pending general offer to A.
  leads.routing = await submit(routeToASourceId, { externalId: ROUTING_EXTERNAL_ID });
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
  // Contacts logged on the leads the probes read (LeadContact is reached through lead.contacts).
  for (const id of [leads.routing, leads.assigned]) {
    await asAdmin('mutation($l: ID!) { logContact(leadId: $l, kind: CALL, note: "probe") { id } }', { l: id });
  }
  // A reclaim, for leadStats.reclaimsByAgent: B wins a lead of a source with the shortest contact deadline
  // (1 s, on this server's real clock) and logs nothing; the server reclaims it.
  const reclaimSource = await newSource({ leadGroupId: (await group([B.id])).createLeadGroup.id, raceAgentCount: 1, contactDeadlineSeconds: 1 });
  const toReclaim = await submit(reclaimSource.id);
  const bOffers = await gql(B.token, '{ myOffers { id lead { id } } }');
  const bOffer = (bOffers.data?.myOffers as { id: string; lead: { id: string } }[]).find((o) => o.lead.id === toReclaim);
  expect((await gql(B.token, 'mutation($id: ID!) { acceptOffer(offerId: $id) { id } }', { id: bOffer?.id })).errors).toBeUndefined();
  for (let i = 0; ; i++) {
    const stats = await asAdmin<{ leadStats: { reclaims: number } }>('{ leadStats { reclaims } }');
    if (stats.leadStats.reclaims > 0) break;
    if (i > 300) throw new Error('the lead was not reclaimed');
    await new Promise((r) => setTimeout(r, 50));
  }
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

// ------------------------------------------------------------------ every field, on every path

/**
 * Who may read each field of each object type, wherever it is reached:
 *   open           whoever reaches the object reads the field (an admin-only type is reached only by admins)
 *   admin          admins only: anyone else gets FORBIDDEN (UNAUTHENTICATED without a token) on that field,
 *                  alone when the field is nullable, and never its value
 *   self           the user themselves and admins
 *   admin-silent   admins only, null for others without an error (LeadEvent.actor; actorHidden says so)
 *   RECEIPT, LIMITED, FULL   a Lead field shown from that visibility up (domain/lead-visibility.ts): below
 *                  it null, or an empty list, or NOT_FOUND for a non-null field that cannot be empty
 */
type FieldRule = 'open' | 'admin' | 'self' | 'admin-silent' | 'RECEIPT' | 'LIMITED' | 'FULL';
type Visibility = 'RECEIPT' | 'LIMITED' | 'FULL';
const VISIBILITY_RANK: Record<Visibility, number> = { RECEIPT: 0, LIMITED: 1, FULL: 2 };

const FIELD_RULES: Record<string, Partial<Record<FieldRule, readonly string[]>>> = {
  Lead: {
    RECEIPT: ['id', 'kind', 'state', 'createdAt', 'contactHidden'],
    LIMITED: ['firstName', 'message', 'postalCode', 'price', 'source', 'status', 'round', 'offers'],
    FULL: ['lastName', 'email', 'phone', 'propertyAddress', 'referralFeePercent', 'owner', 'users', 'events', 'lastContactAt',
      'contacts', 'repeatOf'],
    admin: ['routing'],
  },
  LeadSource: {
    open: ['id', 'name'],
    admin: ['publicKey', 'allowDirectToUser', 'directToUserAutoAccept', 'directToUserWindowSeconds', 'acceptanceWindowSeconds',
      'raceAgentCount', 'referralFeePercent', 'thankYouUrl', 'createdAt', 'offices', 'leadGroup', 'nextUp', 'matchServiceArea',
      'widenAfterRounds', 'contactDeadlineSeconds', 'repeatLeadsToOwner'],
  },
  User: {
    open: ['id', 'name', 'email', 'phone', 'role', 'handle', 'active', 'inOffice', 'leadEmail', 'offices', 'tags'],
    self: ['halt', 'timeZone', 'workingHours', 'routingWeight', 'dailyLeadCap', 'serviceAreas'],
  },
  WorkingHours: { open: ['day', 'start', 'end'] },
  RoutingPreviewEntry: { open: ['agent', 'reason'] },
  Halt: { open: ['until', 'reason', 'since'] },
  Office: { open: ['id', 'name'] },
  Tag: { open: ['id', 'name'] },
  LeadGroup: { open: ['id', 'name', 'members'] },
  CompanySettings: { open: ['agentsCanChangeOwner', 'agentsCanChangeUsers', 'timeZone', 'haltAfterMissedOffers'] },
  StatusCode: { open: ['id', 'name', 'position', 'isDefault', 'archived'] },
  Notification: { open: ['id', 'channel', 'to', 'subject', 'body', 'status', 'attempts', 'lastError', 'createdAt', 'sentAt'] },
  Offer: { open: ['id', 'state', 'round', 'direct', 'offeredAt', 'expiresAt', 'respondedAt', 'lead', 'agent', 'actionUrl'] },
  LeadEvent: { open: ['id', 'type', 'at', 'note', 'lead', 'agent', 'actorHidden', 'statusCode'], 'admin-silent': ['actor'] },
  RoutingDecision: { open: ['round', 'at', 'reason', 'agent'] },
  LeadConnection: { open: ['edges', 'pageInfo', 'totalCount'] },
  LeadEdge: { open: ['cursor', 'node'] },
  PageInfo: { open: ['hasNextPage', 'endCursor', 'hasPreviousPage', 'startCursor'] },
  LeadStats: {
    open: ['total', 'byState', 'bySource', 'byStatus', 'offers', 'medianSecondsToAccept', 'p90SecondsToAccept', 'perAgent', 'reclaims',
      'reclaimsByAgent'],
  },
  AgentReclaimCount: { open: ['count', 'agent'] },
  LeadContact: { open: ['id', 'kind', 'note', 'at', 'by'] },
  LeadStateCount: { open: ['state', 'count'] },
  LeadSourceCount: { open: ['count', 'source'] },
  LeadStatusCount: { open: ['count', 'status'] },
  OfferStats: { open: ['made', 'pending', 'accepted', 'declined', 'expired', 'taken'] },
  AgentOfferStats: { open: ['received', 'pending', 'accepted', 'declined', 'expired', 'taken', 'medianResponseSeconds', 'agent'] },
  ApiTokenPayload: { open: ['id', 'token'] },
  // Reached only through apiTokens, which only admins may call.
  ApiToken: { open: ['id', 'label', 'createdAt', 'lastUsedAt'] },
  AuthPayload: { open: ['token', 'user'] },
  OfferEvent: { open: ['type', 'offer'] },
  // Reached only through webhooks and createWebhook, which only admins may call.
  Webhook: { open: ['id', 'url', 'eventTypes', 'createdAt', 'deliveries'] },
  WebhookDelivery: { open: ['id', 'eventType', 'leadId', 'status', 'attempts', 'responseStatus', 'lastError', 'createdAt', 'deliveredAt'] },
  CreatedWebhook: { open: ['id', 'url', 'eventTypes', 'secret'] },
};

/** A way for one caller to reach objects of a type: an operation with SEL where the object's selection goes. */
interface Probe {
  who: string;
  token: () => string | null;
  text: string;
  variables?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** From `data` to the object (list steps take the first element). */
  path: (string | number)[];
  /** Lead probes: what the caller sees of that lead. */
  visibility?: Visibility;
  /** User probes: the object is the caller. */
  self?: boolean;
  admin?: boolean;
  /** Reached through the offers subscription; `trigger` makes an event for the caller. */
  ws?: { trigger: () => Promise<void> };
}

/** `base` extended by `steps` ("source", "offers[0]", "offers[0].agent"). */
function at(base: Probe, steps: string, extra: Partial<Probe> = {}): Probe {
  let text = base.text;
  const path = [...base.path];
  for (const step of steps.split('.')) {
    const [, name, index] = /^(\w+)(?:\[(\d+)\])?$/.exec(step) ?? [];
    if (!name) throw new Error(`bad step ${step}`);
    text = text.replace('SEL', `{ ${name} SEL }`);
    path.push(name);
    if (index !== undefined) path.push(Number(index));
  }
  const { visibility: _v, ...rest } = base;
  return { ...rest, text, path, ...extra };
}

/** A halted agent: whose halt (and its reason) only they and admins may read. */
let C: Person;
const LEAD_BY_ID = 'query($id: ID!) { lead(id: $id) SEL }';
const leadProbes = (): Probe[] => [
  {
    who: 'anonymous (a replayed form submission)', token: () => null, visibility: 'RECEIPT', path: ['submitLead'],
    text: 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) SEL }',
    variables: () => ({ input: { sourceKey: routeToAKey, externalId: ROUTING_EXTERNAL_ID, firstName: 'Replay' } }),
  },
  { who: 'agent A, offered it', token: () => A.token, visibility: 'LIMITED', path: ['lead'], text: LEAD_BY_ID, variables: () => ({ id: leads.routing }) },
  { who: 'agent A, its owner', token: () => A.token, visibility: 'FULL', path: ['lead'], text: LEAD_BY_ID, variables: () => ({ id: leads.assigned }) },
  { who: 'admin', token: () => ADMIN_TOKEN, visibility: 'FULL', admin: true, path: ['lead'], text: LEAD_BY_ID, variables: () => ({ id: leads.routing }) },
];
const withLead = (steps: string, probes: Probe[] = leadProbes()) => probes.map((p) => at(p, steps));
const root = (text: string, path: (string | number)[], variables?: Probe['variables']) => (who: 'anonymous' | 'agent A' | 'admin'): Probe => ({
  who, token: () => (who === 'anonymous' ? null : who === 'admin' ? ADMIN_TOKEN : A.token), admin: who === 'admin', text, path, variables,
});
const everyone = (make: (who: 'anonymous' | 'agent A' | 'admin') => Probe) => [make('anonymous'), make('agent A'), make('admin')];
const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) SEL }';
const OFFERS_SUBSCRIPTION = 'subscription { offers SEL }';
const ROUTING_PROFILE = 'mutation($userId: ID!, $input: RoutingProfileInput!) { updateRoutingProfile(userId: $userId, input: $input) { workingHours SEL } }';
const ALL_WEEK = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'].map((day) => ({ day, start: '00:00', end: '24:00' }));

/** For each object type of the schema, how each kind of caller reaches it (or is stopped on the way). */
const REACH: Record<string, () => Probe[]> = {
  Lead: () => leadProbes(),
  LeadSource: () => withLead('source'),
  StatusCode: () => withLead('status'),
  Offer: () => withLead('offers[0]'),
  LeadEvent: () => withLead('events[0]'),
  RoutingDecision: () => withLead('routing[0]'),
  LeadGroup: () => withLead('source.leadGroup'),
  User: () => [
    at({ who: 'anonymous, signing in', token: () => null, text: LOGIN, path: ['login'], variables: () => ({ ...passwordUser }) }, 'user'),
    { who: 'agent A, themselves', token: () => A.token, self: true, text: '{ me SEL }', path: ['me'] },
    at({ who: 'agent B, the owner of a lead B works', token: () => B.token, text: LEAD_BY_ID, path: ['lead'], variables: () => ({ id: leads.withUser }) }, 'owner'),
    ...withLead('offers[0].agent', leadProbes().filter((p) => p.admin)),
  ],
  Halt: () => [
    { who: 'agent C, halted, themselves', token: () => C.token, self: true, text: '{ me { halt SEL } }', path: ['me', 'halt'] },
    at({ who: 'agent B, the halted owner C of a lead B works', token: () => B.token, text: LEAD_BY_ID, path: ['lead'],
      variables: async () => ({ id: await leadOwnedWithUser(C.id, B.id) }) }, 'owner.halt'),
    { who: 'admin', token: () => ADMIN_TOKEN, admin: true, path: ['haltUser', 'halt'],
      text: 'mutation($input: HaltUserInput!) { haltUser(input: $input) { halt SEL } }',
      variables: () => ({ input: { userId: C.id, reason: 'family leave' } }) },
  ],
  // Hours that cover the whole week: agent A stays offered leads, as the other probes expect.
  WorkingHours: () => [
    { who: 'agent A, themselves', token: () => A.token, self: true, path: ['updateRoutingProfile', 'workingHours', 0],
      text: ROUTING_PROFILE, variables: () => ({ userId: A.id, input: { workingHours: ALL_WEEK } }) },
    { who: 'admin', token: () => ADMIN_TOKEN, admin: true, path: ['updateRoutingProfile', 'workingHours', 0],
      text: ROUTING_PROFILE, variables: () => ({ userId: A.id, input: { workingHours: ALL_WEEK } }) },
  ],
  RoutingPreviewEntry: () => everyone(root('query($id: ID!) { routingPreview(sourceId: $id) SEL }', ['routingPreview', 0], () => ({ id: poolSourceId }))),
  Office: () => everyone(root('{ offices SEL }', ['offices', 0])),
  Tag: () => everyone(root('{ tags SEL }', ['tags', 0])),
  CompanySettings: () => everyone(root('{ companySettings SEL }', ['companySettings'])),
  LeadConnection: () => everyone(root('{ leads(first: 5) SEL }', ['leads'])),
  LeadEdge: () => everyone(root('{ leads(first: 5) { edges SEL } }', ['leads', 'edges', 0])),
  PageInfo: () => everyone(root('{ leads(first: 5) { pageInfo SEL } }', ['leads', 'pageInfo'])),
  LeadStats: () => everyone(root('{ leadStats SEL }', ['leadStats'])),
  LeadStateCount: () => everyone(root('{ leadStats { byState SEL } }', ['leadStats', 'byState', 0])),
  LeadSourceCount: () => everyone(root('{ leadStats { bySource SEL } }', ['leadStats', 'bySource', 0])),
  LeadStatusCount: () => everyone(root('{ leadStats { byStatus SEL } }', ['leadStats', 'byStatus', 0])),
  OfferStats: () => everyone(root('{ leadStats { offers SEL } }', ['leadStats', 'offers'])),
  AgentOfferStats: () => everyone(root('{ leadStats { perAgent SEL } }', ['leadStats', 'perAgent', 0])),
  AgentReclaimCount: () => everyone(root('{ leadStats { reclaimsByAgent SEL } }', ['leadStats', 'reclaimsByAgent', 0])),
  LeadContact: () => withLead('contacts[0]'),
  Notification: () => everyone(root('query($id: ID!) { notifications(leadId: $id) SEL }', ['notifications', 0], () => ({ id: leads.assigned }))),
  ApiTokenPayload: () => everyone(root('mutation($id: ID!) { issueApiToken(userId: $id) SEL }', ['issueApiToken'], async () => ({ id: await newUser() }))),
  AuthPayload: () => everyone(root(LOGIN, ['login'], () => ({ ...passwordUser }))),
  ApiToken: () => everyone(root('query($id: ID!) { apiTokens(userId: $id) SEL }', ['apiTokens', 0], () => ({ id: A.id }))),
  Webhook: () => everyone(root('{ webhooks SEL }', ['webhooks', 0])),
  WebhookDelivery: () => everyone(root('{ webhooks { deliveries(first: 5) SEL } }', ['webhooks', 0, 'deliveries', 0])),
  CreatedWebhook: () => everyone(root('mutation($input: WebhookInput!) { createWebhook(input: $input) SEL }', ['createWebhook'],
    () => ({ input: { url: WEBHOOK_URL } }))),
  OfferEvent: () => everyone((who) => ({
    ...root(OFFERS_SUBSCRIPTION, ['offers'])(who),
    ws: { trigger: async () => { if (who !== 'anonymous') await offerTo(who === 'admin' ? adminId : A.id); } },
  })),
};

/** The fields that enclose SEL in a probe's text, outermost first: what its path must name. */
function selectionPathOf(text: string): string[] {
  const prefix = text.slice(0, text.indexOf('SEL')).replace(/\([^)]*\)/g, ' ');
  const stack: string[] = [];
  let last = '';
  for (const token of prefix.match(/\w+|[{}]/g) ?? []) {
    if (token === '{') stack.push(last);
    else if (token === '}') stack.pop();
    else last = token;
  }
  return [...stack, last].filter((name) => name !== '' && !['query', 'mutation', 'subscription'].includes(name));
}

/** A fresh lead owned by `ownerId`, with `userId` working it. */
async function leadOwnedWithUser(ownerId: string, userId: string): Promise<string> {
  const leadId = await leadOwnedBy(ownerId);
  await asAdmin('mutation($l: ID!, $u: ID!) { addLeadUser(leadId: $l, userId: $u) { id } }', { l: leadId, u: userId });
  return leadId;
}

async function runProbe(probe: Probe, selection: string): Promise<Answer> {
  const text = probe.text.replace('SEL', selection);
  const variables = (await probe.variables?.()) ?? {};
  if (!probe.ws) return gql(probe.token(), text, variables);
  const token = probe.token();
  // A socket without a token is closed with 4403 before any operation (the root matrix checks it).
  if (!token) return { data: null, errors: [{ message: 'no socket', extensions: { code: 'UNAUTHENTICATED' } }] };
  const client = await openRaw(t.wsUrl, token);
  try {
    client.subscribe('p', text, variables);
    const message = await eventually(async () => {
      const m = client.messages.find((x) => x.id === 'p' && (x.type === 'next' || x.type === 'error'));
      if (m) return m;
      await probe.ws?.trigger();
      return undefined;
    }, `${probe.who}: ${text}`);
    return message.type === 'error'
      ? { data: null, errors: message.payload as Answer['errors'] }
      : message.payload as Answer;
  } finally {
    client.socket.close(1000);
  }
}

function walk(data: unknown, path: readonly (string | number)[]): unknown {
  let v = data;
  for (const step of path) v = v == null ? undefined : (v as Record<string | number, unknown>)[step];
  return v;
}

const samePath = (a: readonly (string | number)[] | undefined, b: readonly (string | number)[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * What the caller got at `object.field`: UNREACHED (no object), SHOWN, NULL or EMPTY (no error there),
 * or the error code on that field, with " ALONE" when the object around it was still answered.
 */
function observe(answer: Answer, path: readonly (string | number)[], field: string): string {
  const parent = walk(answer.data, path);
  const fieldPath = [...path, field];
  const error = (answer.errors as { path?: (string | number)[]; extensions?: { code?: string } }[] | undefined)
    ?.find((e) => samePath(e.path, fieldPath));
  if (error) return `${String(error.extensions?.code)}${parent != null ? ' ALONE' : ''}`;
  if (parent == null) return 'UNREACHED';
  const value = (parent as Record<string, unknown>)[field];
  if (value === null) return 'NULL';
  if (Array.isArray(value) && value.length === 0) return 'EMPTY';
  return value === undefined ? 'MISSING' : 'SHOWN';
}

/** What a caller who reached the object must get for the field under its rule. */
function expectedOutcome(rule: FieldRule, probe: Probe, field: GraphQLField<unknown, unknown>): string | readonly string[] {
  const VISIBLE = ['SHOWN', 'NULL', 'EMPTY'] as const;
  const refused = `${probe.token() ? 'FORBIDDEN' : 'UNAUTHENTICATED'}${isNonNullType(field.type) ? '' : ' ALONE'}`;
  switch (rule) {
    case 'open': return VISIBLE;
    case 'admin': return probe.admin ? VISIBLE : refused;
    case 'self': return probe.admin || probe.self ? VISIBLE : refused;
    case 'admin-silent': return probe.admin ? VISIBLE : 'NULL';
    default: {
      const visibility = probe.visibility;
      if (!visibility) throw new Error(`${probe.who}: a Lead probe without a visibility`);
      if (VISIBILITY_RANK[visibility] >= VISIBILITY_RANK[rule]) return VISIBLE;
      if (isListType(getNullableType(field.type))) return 'EMPTY';
      return isNonNullType(field.type) ? 'NOT_FOUND' : 'NULL';
    }
  }
}

const objectTypes = Object.values(schema.getTypeMap()).filter((type): type is GraphQLObjectType =>
  isObjectType(type) && !type.name.startsWith('__') && !['Query', 'Mutation', 'Subscription'].includes(type.name));
const ruleOf = (typeName: string, field: string): FieldRule | undefined =>
  (Object.entries(FIELD_RULES[typeName] ?? {}) as [FieldRule, readonly string[]][]).find(([, names]) => names.includes(field))?.[0];
const selectionOf = (field: GraphQLField<unknown, unknown>) =>
  (isObjectType(getNamedType(field.type)) ? `{ __typename ${field.name} { __typename } }` : `{ __typename ${field.name} }`);

describe('every field of every object type, on the paths that reach it', () => {
  beforeAll(async () => {
    const { createOffice } = await asAdmin<{ createOffice: { id: string } }>(
      'mutation($input: CreateOfficeInput!) { createOffice(input: $input) { id } }', { input: { name: unique('Office') } });
    C = await newAgent(createOffice.id);
    await asAdmin('mutation($input: HaltUserInput!) { haltUser(input: $input) { id } }', { input: { userId: C.id, reason: 'family leave' } });
    // So that `tags` has one to reach.
    await asAdmin('mutation($input: CreateTagInput!) { createTag(input: $input) { id } }', { input: { name: unique('Tag') } });
  });

  it('FIELD_RULES names every field of every object type exactly once, and REACH every object type', () => {
    const named = Object.entries(FIELD_RULES).flatMap(([type, rules]) => Object.values(rules).flatMap((names) => names.map((n) => `${type}.${n}`)));
    const inSchema = objectTypes.flatMap((type) => Object.keys(type.getFields()).map((n) => `${type.name}.${n}`));
    expect([...named].sort()).toEqual([...inSchema].sort());
    expect(new Set(named).size).toBe(named.length);
    expect(Object.keys(REACH).sort()).toEqual(objectTypes.map((type) => type.name).sort());
    // Each probe's path names the fields its text nests the selection in (a mismatch would read
    // "unreached" where the object was in fact answered).
    for (const [type, probes] of Object.entries(REACH)) {
      for (const probe of probes()) {
        expect(selectionPathOf(probe.text), `${type} as ${probe.who}`).toEqual(probe.path.filter((step) => typeof step === 'string'));
      }
    }
  });

  for (const type of objectTypes) {
    it(`${type.name}: an admin reaches it; each field answers each caller as its rule says`, async () => {
      const probes = REACH[type.name]?.() ?? [];
      expect(probes.some((p) => p.admin)).toBe(true);
      const seen: Record<string, Record<string, string>> = {};
      const wanted: Record<string, Record<string, string | readonly string[]>> = {};
      for (const probe of probes) {
        const reached = walk((await runProbe(probe, '{ __typename }')).data, probe.path) != null;
        if (probe.admin) expect(reached, `the admin reaches ${type.name} by ${probe.text}`).toBe(true);
        for (const field of Object.values(type.getFields())) {
          const rule = ruleOf(type.name, field.name);
          if (!rule) throw new Error(`${type.name}.${field.name} has no rule`);
          const key = `${field.name} (${rule})`;
          const got = observe(await runProbe(probe, selectionOf(field)), probe.path, field.name);
          // A caller stopped before the object never sees the field at all.
          const want = reached ? expectedOutcome(rule, probe, field) : 'UNREACHED';
          (seen[key] ??= {})[probe.who] = typeof want !== 'string' && want.includes(got) ? 'VISIBLE' : got;
          (wanted[key] ??= {})[probe.who] = typeof want !== 'string' ? 'VISIBLE' : want;
        }
      }
      expect(seen).toEqual(wanted);
    });
  }
});

describe('what a replay, a shared fragment and a null mean', () => {
  const REPLAY = 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) SEL }';
  const replay = (token: string | null, selection: string) =>
    gql(token, REPLAY.replace('SEL', selection), { input: { sourceKey: routeToAKey, externalId: ROUTING_EXTERNAL_ID, firstName: 'Guess' } });

  it("replaying a form's externalId answers anyone the contract's receipt (id kind state createdAt) of the first lead, and nothing about the person", async () => {
    const first = (await asAdmin<{ lead: Record<string, unknown> }>('query($id: ID!) { lead(id: $id) { id kind state createdAt } }', { id: leads.routing })).lead;
    for (const token of [null, B.token]) {
      const receipt = await replay(token, '{ id kind state createdAt contactHidden lastName email phone message owner { id } users { id } offers { id } events { id } }');
      expect(receipt.errors).toBeUndefined();
      expect(receipt.data?.submitLead).toEqual({
        ...first, contactHidden: true, lastName: null, email: null, phone: null, message: null, owner: null, users: [], offers: [], events: [],
      });
      // The first name (and round, source) cannot be null: asking for them is NOT_FOUND, and no lead comes back.
      for (const field of ['firstName', 'round', 'source { name }']) {
        const asked = await replay(token, `{ id ${field} }`);
        expect(asked.data).toBeNull();
        expect(asked.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
        expect(JSON.stringify(asked)).not.toContain('Prospect');
      }
    }
  });

  it('an admin replaying with the source key sees the lead in full, as anywhere else', async () => {
    const a = await replay(ADMIN_TOKEN, '{ id firstName lastName contactHidden }');
    expect(a.data?.submitLead).toEqual({ id: leads.routing, firstName: 'Prospect', lastName: CONTACT.lastName, contactHidden: false });
  });

  it("an agent's lead { routing } is FORBIDDEN on routing alone: the rest of the lead is answered", async () => {
    const a = await gql(A.token, 'query($id: ID!) { lead(id: $id) { id firstName routing { round agent { id } reason } } }', { id: leads.assigned });
    expect(a.data?.lead).toEqual({ id: leads.assigned, firstName: 'Prospect', routing: null });
    expect(a.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown[] }).path])).toEqual([['FORBIDDEN', ['lead', 'routing']]]);
  });

  it("an agent's lead { source { name nextUp { id } } } gets the name, nextUp null and one FORBIDDEN at that path", async () => {
    const a = await gql(A.token, 'query($id: ID!) { lead(id: $id) { id source { name nextUp { id } } } }', { id: leads.routing });
    expect(a.data?.lead).toEqual({ id: leads.routing, source: { name: expect.any(String), nextUp: null } });
    expect(a.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown[] }).path])).toEqual([['FORBIDDEN', ['lead', 'source', 'nextUp']]]);
  });

  it("an admin's source fragment shared with an agent's screen fails only on the admin-only fields, each alone", async () => {
    const adminOnly = FIELD_RULES.LeadSource?.admin ?? [];
    const sourceFields = (schema.getType('LeadSource') as GraphQLObjectType).getFields();
    const fields = adminOnly.map((f) => {
      const field = sourceFields[f];
      if (!field) throw new Error(`LeadSource.${f} is not in the schema`);
      return isObjectType(getNamedType(field.type)) ? `${f} { __typename }` : f;
    });
    const a = await gql(A.token, `query($id: ID!) { lead(id: $id) { id firstName source { id name ${fields.join(' ')} } } }`, { id: leads.routing });
    expect(a.data?.lead).toEqual({
      id: leads.routing, firstName: 'Prospect',
      source: { id: expect.any(String), name: expect.any(String), ...Object.fromEntries(adminOnly.map((f) => [f, null])) },
    });
    expect(a.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown[] }).path]).sort())
      .toEqual(adminOnly.map((f) => ['FORBIDDEN', ['lead', 'source', f]]).sort());
  });

  it("the offers subscription gives an agent their lead's source name and refuses its key, on that field", async () => {
    const client = await openRaw(t.wsUrl, A.token);
    client.subscribe('k', 'subscription { offers { type offer { lead { id source { name publicKey } } } } }');
    const message = await eventually(async () => {
      const m = client.messages.find((x) => x.id === 'k' && (x.type === 'next' || x.type === 'error'));
      if (m) return m;
      await offerTo(A.id);
      return undefined;
    }, 'an offer event');
    const payload = message.payload as Answer;
    expect(payload.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown[] }).path])).toEqual([
      ['FORBIDDEN', ['offers', 'offer', 'lead', 'source', 'publicKey']],
    ]);
    expect(JSON.stringify(payload)).not.toMatch(/src_|"publicKey":"/);
    client.socket.close(1000);
  });

  it('contactHidden tells contact details withheld from contact details not given', async () => {
    const noContact = await submit(routeToASourceId, { lastName: null, email: null, phone: null });
    const q = 'query($id: ID!) { lead(id: $id) { contactHidden lastName email phone } }';
    // A, offered both leads: the same nulls, and contactHidden says they are withheld.
    expect((await gql(A.token, q, { id: leads.routing })).data?.lead).toEqual({ contactHidden: true, lastName: null, email: null, phone: null });
    expect((await gql(A.token, q, { id: noContact })).data?.lead).toEqual({ contactHidden: true, lastName: null, email: null, phone: null });
    // The admin: nulls only where nothing was given.
    expect((await gql(ADMIN_TOKEN, q, { id: noContact })).data?.lead).toEqual({ contactHidden: false, lastName: null, email: null, phone: null });
    expect((await gql(ADMIN_TOKEN, q, { id: leads.routing })).data?.lead).toEqual({ contactHidden: false, ...CONTACT });
  });

  it("actorHidden tells an event's actor withheld from an event the system caused", async () => {
    const q = 'query($id: ID!) { lead(id: $id) { events { type actor { id } actorHidden } } }';
    const ownerView = (await gql(A.token, q, { id: leads.assigned })).data?.lead as { events: { type: string; actor: unknown; actorHidden: boolean }[] };
    // CREATED by the admin's submission (hidden from the owner); OFFERED by the system (nobody to hide).
    expect(ownerView.events.slice(0, 2)).toEqual([
      { type: 'CREATED', actor: null, actorHidden: true },
      { type: 'OFFERED', actor: null, actorHidden: false },
    ]);
    const adminView = (await gql(ADMIN_TOKEN, q, { id: leads.assigned })).data?.lead as typeof ownerView;
    expect(adminView.events.slice(0, 2)).toEqual([
      { type: 'CREATED', actor: { id: adminId }, actorHidden: false },
      { type: 'OFFERED', actor: null, actorHidden: false },
    ]);
  });
});

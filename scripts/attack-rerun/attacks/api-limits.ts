// Issue 12 point 8, the GraphQL limits: an agent's token does not lift the anonymous intake limit on
// sourceKey submissions; a list argument of 40,000 ids is refused as bad input, not an internal
// error; failed logins from one address do not lock the account out for its owner elsewhere.
import { ADMIN_TOKEN, createAgents, createSource, freshAddress, type AttackContext } from '../context.js';
import { gql } from '../http.js';
import type { AttackResult } from '../report.js';

/** Submissions sent before giving up on seeing RATE_LIMITED (the limit is INTAKE_RATE_PER_MINUTE, default 60). */
const INTAKE_TRIES = 100;

export async function intakeLimitWithToken(ctx: AttackContext): Promise<AttackResult> {
  const [agent] = await createAgents(ctx, 'intake', 1);
  if (!agent) throw new Error('no agent');
  const source = await createSource(ctx, 'intake', [agent]);
  const from = freshAddress();
  const { value, health } = await ctx.target.during(async () => {
    const started = performance.now();
    for (let i = 1; i <= INTAKE_TRIES; i++) {
      const a = await gql(ctx.target.url, 'mutation($input: SubmitLeadInput!) { submitLead(input: $input) { id } }',
        { input: { sourceKey: source.publicKey, firstName: `Flood${i}` } }, { token: agent.token, from });
      const code = a.errors[0]?.code;
      if (code) return { refusedAt: i, code, ms: performance.now() - started };
    }
    return { refusedAt: null, code: null, ms: performance.now() - started };
  });
  return {
    point: '8',
    name: 'an agent\'s token on `submitLead(sourceKey)` past the anonymous intake limit',
    sent: `up to ${INTAKE_TRIES} submitLead(sourceKey) from one address with an agent's Bearer token`,
    got: value.refusedAt === null ? `all ${INTAKE_TRIES} accepted in ${Math.round(value.ms)} ms`
      : `submission #${value.refusedAt} refused with ${value.code} (after ${Math.round(value.ms)} ms)`,
    expected: 'RATE_LIMITED once the address has used its allowance (60 a minute), token or not',
    held: value.code === 'RATE_LIMITED',
    health,
  };
}

export async function hugeIdList(ctx: AttackContext): Promise<AttackResult> {
  const officeIds = Array.from({ length: 40_000 }, (_, i) => String(i + 1));
  const { value, health } = await ctx.target.during(() => gql(ctx.target.url,
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { name: 'Many Offices', email: `many-${Date.now()}@attack.example`, role: 'AGENT', officeIds } }, { token: ADMIN_TOKEN }));
  const first = value.errors[0];
  return {
    point: '8',
    name: '`createUser` with 40,000 officeIds',
    sent: 'createUser(input: { ..., officeIds: [40,000 ids] }) as the admin',
    got: `${value.status} ${first ? `${first.code}: ${first.message.slice(0, 90)}` : 'no error'} in ${Math.round(value.ms)} ms`,
    expected: 'BAD_USER_INPUT naming officeIds (not INTERNAL_SERVER_ERROR)',
    held: first?.code === 'BAD_USER_INPUT',
    health,
  };
}

export async function loginLockout(ctx: AttackContext): Promise<AttackResult> {
  const password = 'correct horse battery staple';
  const [agent] = await createAgents(ctx, 'login', 1, password);
  if (!agent) throw new Error('no agent');
  const stranger = freshAddress();
  const owner = freshAddress();
  const login = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
  const { value, health } = await ctx.target.during(async () => {
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const a = await gql(ctx.target.url, login, { email: agent.email, password: `wrong-${i}` }, { from: stranger });
      codes.push(a.errors[0]?.code ?? 'ok');
    }
    const own = await gql<{ login: { token: string } | null }>(ctx.target.url, login, { email: agent.email, password }, { from: owner });
    return { codes, own };
  });
  const limitedAt = value.codes.indexOf('RATE_LIMITED');
  const ownOk = value.own.data?.login?.token !== undefined;
  return {
    point: '8',
    name: 'failed logins from one address, then the owner from another (TRUST_PROXY, X-Forwarded-For)',
    sent: `30 wrong passwords for one account from ${stranger}, then the right one from ${owner}`,
    got: `stranger: RATE_LIMITED from attempt #${limitedAt + 1}; owner: ${ownOk ? 'signed in' : `refused ${value.own.errors[0]?.code ?? value.own.status}`}`,
    expected: 'the stranger\'s address limited; the owner, from another address, signs in',
    held: limitedAt >= 0 && ownOk,
    health,
  };
}

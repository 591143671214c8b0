// Every list argument and list input field of the schema has a bound; past it, or past the string
// bound, an operation is refused with BAD_USER_INPUT naming the field, given in a literal or a variable.
import { readFileSync } from 'node:fs';
import { buildSchema, getNullableType, isInputObjectType, isListType, isObjectType, parse, type GraphQLInputType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIST_BOUNDS, MAX_STRING_LENGTH } from '../../src/graphql/input-bounds.js';
import { checkOperation } from '../../src/graphql/query-checks.js';

const real = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

/** Every coordinate of a list-typed argument or input field in the schema. */
function listInputs(): string[] {
  const found: string[] = [];
  const isList = (t: GraphQLInputType) => isListType(getNullableType(t));
  for (const type of Object.values(real.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        for (const arg of field.args) if (isList(arg.type)) found.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (isList(field.type)) found.push(`${type.name}.${field.name}`);
    }
  }
  return found.sort();
}

const refusal = (query: string, variables?: Record<string, unknown>) => {
  const { error } = checkOperation(real, parse(query), null, variables);
  return error && { message: error.message, code: error.extensions.code, field: error.extensions.field };
};
const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

describe('list and string bounds', () => {
  it('every list argument and list input field of the schema has a bound, and every bound names one', () => {
    const lists = listInputs();
    expect(lists).toContain('CreateUserInput.officeIds');
    expect(lists.filter((c) => LIST_BOUNDS[c] === undefined), 'list inputs without a bound in src/graphql/input-bounds.ts').toEqual([]);
    expect(Object.keys(LIST_BOUNDS).sort()).toEqual(lists);
  });

  it('40,000 officeIds are BAD_USER_INPUT on officeIds, in a variable or a literal; 100 pass', () => {
    const create = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
    const input = (n: number) => ({ name: 'A', email: 'a@example.com', role: 'AGENT', officeIds: ids(n) });
    expect(refusal(create, { input: input(40_000) }))
      .toEqual({ code: 'BAD_USER_INPUT', field: 'officeIds', message: 'officeIds: at most 100 items, got 40000' });
    expect(refusal(create, { input: input(100) })).toBeNull();
    const literal = `mutation { updateUser(id: "1", input: { officeIds: [${ids(101).map((i) => `"${i}"`).join(',')}] }) { id } }`;
    expect(refusal(literal)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'officeIds' });
  });

  it('list arguments are bounded too, each at its own bound', () => {
    expect(refusal('mutation($t: [ID!]!) { setUserTags(userId: "1", tagIds: $t) { id } }', { t: ids(101) }))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'tagIds' });
    expect(refusal('mutation($ids: [ID!]!) { reorderStatusCodes(ids: $ids) { id } }', { ids: ids(1000) })).toBeNull();
    expect(refusal('mutation($ids: [ID!]!) { reorderStatusCodes(ids: $ids) { id } }', { ids: ids(1001) }))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    expect(refusal('mutation($m: [ID!]!) { createLeadGroup(input: { name: "G", memberIds: $m }) { id } }', { m: ids(1001) }))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'memberIds' });
  });

  it(`a string over ${MAX_STRING_LENGTH} characters is BAD_USER_INPUT on its field, wherever it is`, () => {
    const long = 'x'.repeat(MAX_STRING_LENGTH + 1);
    expect(refusal('mutation($p: String!) { login(email: "a@example.com", password: $p) { token } }', { p: long }))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(refusal('query($f: LeadFilter) { leads(filter: $f) { totalCount } }', { f: { search: long } }))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
    expect(refusal(`query { leads(after: "${long}") { totalCount } }`)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(refusal('mutation($p: String!) { login(email: "a@example.com", password: $p) { token } }', { p: 'x'.repeat(MAX_STRING_LENGTH) }))
      .toBeNull();
  });

  it('arguments in fragments are checked like any other', () => {
    expect(refusal('mutation($t: [ID!]!) { ...F } fragment F on Mutation { setUserTags(userId: "1", tagIds: $t) { id } }', { t: ids(500) }))
      .toMatchObject({ field: 'tagIds' });
  });
});

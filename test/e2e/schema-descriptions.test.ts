// Every type, field, argument, input field and enum value a client sees has a description (the
// contract promises it): read over HTTP by introspection, as an IDE or a code generator reads it.
import {
  buildClientSchema, getIntrospectionQuery, type GraphQLNamedType, type IntrospectionQuery, isEnumType, isInputObjectType,
  isInterfaceType, isIntrospectionType, isObjectType, isSpecifiedScalarType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

const described = (element: { description?: string | null }): boolean => (element.description ?? '').trim() !== '';

/** The schema coordinates (Type, Type.field, Type.field(arg), Enum.VALUE) that have no description. */
function undescribed(type: GraphQLNamedType): string[] {
  const missing = described(type) ? [] : [type.name];
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (!described(field)) missing.push(`${type.name}.${field.name}`);
      for (const arg of field.args) if (!described(arg)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
    }
  }
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) if (!described(field)) missing.push(`${type.name}.${field.name}`);
  }
  if (isEnumType(type)) {
    for (const value of type.getValues()) if (!described(value)) missing.push(`${type.name}.${value.name}`);
  }
  return missing;
}

describe('the schema as clients read it', () => {
  it('describes every type, field, argument, input field and enum value (built-in scalars and introspection types aside)', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: getIntrospectionQuery({ inputValueDeprecation: true }) }),
    });
    const body = await res.json() as { data?: IntrospectionQuery; errors?: unknown };
    expect(body.errors).toBeUndefined();
    if (!body.data) throw new Error('no introspection result');
    const schema = buildClientSchema(body.data);
    const types = Object.values(schema.getTypeMap()).filter((type) => !isIntrospectionType(type) && !isSpecifiedScalarType(type));
    // Not vacuous: the walk reaches the root types and the enums.
    expect(types.map((type) => type.name)).toEqual(expect.arrayContaining(['Query', 'Mutation', 'Subscription', 'Lead', 'RoutingReason']));
    expect(types.flatMap(undescribed)).toEqual([]);
  });
});

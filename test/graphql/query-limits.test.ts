// The depth limit (a validation rule) and the cost model (computed with the request's variables),
// over a small schema and over the real one.
import { readFileSync, readdirSync } from 'node:fs';
import {
  Kind, buildSchema, getIntrospectionQuery, getNamedType, getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType,
  isObjectType, parse, specifiedRules, typeFromAST, validate, type GraphQLError, type GraphQLInputType, type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  COUNT_COST, DATE_RANGE_COST, FIELD_COSTS, LEAD_EVENTS, LEAD_OFFERS, ROSTER, SEARCH_COST, SEARCH_COUNT_COST,
} from '../../src/graphql/field-costs.js';
import { checkOperation } from '../../src/graphql/query-checks.js';
import { DEFAULT_LIST_SIZE, MAX_QUERY_COST, operationCost } from '../../src/graphql/query-cost.js';
import { MAX_QUERY_DEPTH, QueryLimitError, depthLimitRule, queryLimitRules, validateWithLimits } from '../../src/graphql/query-limits.js';
import { MAX_PAGE_SIZE } from '../../src/services/lead-list-service.js';

const schema = buildSchema(`
  type Query { node: Node, items: [Node!]!, nodes(first: Int): [Node!]!, conn(first: Int): Conn! }
  type Node { id: ID!, child: Node, children: [Node!]! }
  type Conn { edges: [Edge!]!, pageInfo: PageInfo! }
  type Edge { node: Node! }
  type PageInfo { hasNextPage: Boolean! }
`);

function depthErrors(query: string): { code: unknown; actual: unknown; limit: unknown }[] {
  return validate(schema, parse(query), [...specifiedRules, ...queryLimitRules])
    .filter((e: GraphQLError) => e instanceof QueryLimitError)
    .map((e) => ({ code: e.extensions.code, actual: e.extensions.actual, limit: e.extensions.limit }));
}

/** The cost the model gives a document's first operation, with these variables. */
function costIn(s: GraphQLSchema, query: string, variables: Record<string, unknown> = {}): number | null {
  const doc = parse(query);
  const fragments = new Map(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const operation = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation');
  return operationCost(s, operation, (name) => fragments.get(name), variables);
}
const cost = (query: string, variables?: Record<string, unknown>) => costIn(schema, query, variables);

/** `{ node { child { child ... { id } } } }` with `levels` fields nested. */
const nested = (levels: number): string => `{ node ${'{ child '.repeat(levels - 2)}{ id }${' }'.repeat(levels - 2)} }`;

describe('depth limit', () => {
  it(`a query nested ${MAX_QUERY_DEPTH} fields deep passes; one level more is refused with QUERY_TOO_DEEP`, () => {
    expect(depthErrors(nested(MAX_QUERY_DEPTH))).toEqual([]);
    expect(depthErrors(nested(MAX_QUERY_DEPTH + 1)))
      .toEqual([{ code: 'QUERY_TOO_DEEP', actual: MAX_QUERY_DEPTH + 1, limit: MAX_QUERY_DEPTH }]);
  });

  it('depth counts through fragments and inline fragments', () => {
    const query = `query { node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } }
      fragment B on Node { ${'child { '.repeat(7)}id${' }'.repeat(7)} }`;
    expect(depthErrors(query).map((e) => e.code)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('the full introspection query passes the depth limit (introspection depth is exempt) and costs little', () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
      schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    expect(validate(schema, parse(query), [...specifiedRules, ...queryLimitRules])).toEqual([]);
    expect(checkOperation(schema, parse(query), null, {}).error).toBeNull();
  });

  it('cyclic fragments are reported by graphql and do not hang the rule', () => {
    const errors = validate(schema, parse('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }'),
      [...specifiedRules, depthLimitRule()]);
    expect(errors.map((e) => e.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
  });
});

describe('cost model', () => {
  it(`each field costs 1; an unbounded list multiplies its selection by ${DEFAULT_LIST_SIZE}`, () => {
    expect(cost('{ node { id } }')).toBe(2);
    expect(cost('{ items { id child { id } } }')).toBe(1 + DEFAULT_LIST_SIZE * 3);
    expect(cost('{ items { children { id } } }')).toBe(1 + DEFAULT_LIST_SIZE * (1 + DEFAULT_LIST_SIZE));
  });

  it('a list with `first` multiplies by it, whether a literal, a variable, or a variable\'s default', () => {
    expect(cost('{ nodes(first: 5) { id } }')).toBe(6);
    expect(cost('query($n: Int = 3) { nodes(first: $n) { id } }')).toBe(4);
    // The request's value wins over the default: a variable is no way around the limit.
    expect(cost('query($n: Int = 3) { nodes(first: $n) { id } }', { n: 500 })).toBe(501);
    expect(cost('query($n: Int) { nodes(first: $n) { id } }', { n: 7 })).toBe(8);
    expect(cost('query($n: Int) { nodes(first: $n) { id } }')).toBe(1 + DEFAULT_LIST_SIZE);
    expect(cost('{ nodes(first: 0) { id } }')).toBe(2);
  });

  it('variables that do not coerce leave the cost to execution, which refuses them before resolving', () => {
    expect(cost('query($n: Int!) { nodes(first: $n) { id } }')).toBeNull();
    expect(cost('query($n: Int) { nodes(first: $n) { id } }', { n: 'many' })).toBeNull();
  });

  // Changed with the variables-aware model: pageInfo used to be multiplied by the page size too
  // (1 + 10 * (1 + 2 + 2) = 51); it is one object per page.
  it("a connection's page size multiplies its edges once; its pageInfo is one object", () => {
    expect(cost('{ conn(first: 10) { edges { node { id } } pageInfo { hasNextPage } } }')).toBe(1 + 1 + 10 * 2 + 1 + 1);
    expect(cost('query($n: Int) { conn(first: $n) { edges { node { id } } } }', { n: 40 })).toBe(1 + 1 + 40 * 2);
  });

  it('skipped fields cost nothing; included ones count', () => {
    expect(cost('query($big: Boolean!) { node { id } items @include(if: $big) { id } }', { big: false })).toBe(2);
    expect(cost('query($big: Boolean!) { node { id } items @include(if: $big) { id } }', { big: true })).toBe(2 + 1 + DEFAULT_LIST_SIZE);
    expect(cost('{ node { id } items @skip(if: true) { id } }')).toBe(2);
  });

  it('fragments and aliases count each time they are resolved', () => {
    const viaFragment = cost('query($n: Int) { a: nodes(first: $n) { ...F } b: nodes(first: $n) { ...F } } fragment F on Node { id child { id } }', { n: 10 });
    expect(viaFragment).toBe(2 * (1 + 10 * 3));
    expect(cost('{ a: nodes(first: 10) { ... on Node { id child { id } } } b: nodes(first: 10) { id child { id } } }')).toBe(viaFragment);
  });

  it('a fragment bomb (each fragment spreading the next twice, 40 deep) is costed exactly, in a few steps, and refused', () => {
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Node { a: child { ...F${i + 1} } b: child { ...F${i + 1} } }`);
    const query = `{ node { ...F0 } } ${fragments.join(' ')} fragment F40 on Node { id }`;
    // Level i holds 2^i child fields, and F40 one id under each of the 2^40 deepest: 1 + (2^41 - 2) + 2^40.
    const expected = 1 + (2 ** 41 - 2) + 2 ** 40;
    const started = performance.now();
    const check = checkOperation(schema, parse(query), null, {});
    expect(performance.now() - started).toBeLessThan(1000);
    expect(check.cost).toBe(expected);
    expect(check.error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', actual: expected, limit: MAX_QUERY_COST });
  });

  it('thousands of aliased list fields are refused with QUERY_TOO_COMPLEX and the true cost, not the limit', () => {
    const aliases = Array.from({ length: 3000 }, (_, i) => `a${i}: items { id }`).join(' ');
    const check = checkOperation(schema, parse(`{ ${aliases} }`), null, {});
    expect(check.error).toBeInstanceOf(QueryLimitError);
    expect(check.error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: MAX_QUERY_COST, actual: 3000 * (1 + DEFAULT_LIST_SIZE) });
    const few = Array.from({ length: 10 }, (_, i) => `a${i}: items { id }`).join(' ');
    expect(checkOperation(schema, parse(`{ ${few} }`), null, {})).toEqual({ error: null, cost: 10 * (1 + DEFAULT_LIST_SIZE) });
  });

  it("introspection's lists count as many items as the schema has: 1,000 aliased copies of __schema are refused", () => {
    // 5 object types of ours and graphql's own (__Schema, __Type, ..., String, Boolean): 15 types.
    const types = Object.keys(schema.getTypeMap()).length;
    expect(cost('{ __schema { types { name } } }')).toBe(1 + 1 + types);
    const one = '__schema { types { name fields { name type { name ofType { name } } } } }';
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `s${i}: ${one}`).join(' ')} }`;
    expect(checkOperation(schema, parse(query), null, {}).error?.extensions.code).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('the real schema', () => {
  const real = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
  const dir = new URL('../../schema/operations/', import.meta.url);
  const realCost = (query: string, variables?: Record<string, unknown>) => costIn(real, query, variables);

  /** A value of `type` that coerces: what the test gives each variable an operation requires. */
  function sample(type: GraphQLInputType): unknown {
    if (!isNonNullType(type)) return null;
    const inner = getNullableType(type);
    if (isListType(inner)) return [];
    if (isInputObjectType(inner)) {
      return Object.fromEntries(Object.values(inner.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, sample(f.type)]));
    }
    if (isEnumType(inner)) return inner.getValues()[0]?.value;
    const named = getNamedType(inner).name;
    return named === 'Int' || named === 'Float' ? 1 : named === 'Boolean' ? true : named === 'DateTimeISO' ? '2026-01-01T00:00:00Z' : '1';
  }

  it('every list field of the schema has its size in field-costs.ts, and every entry there is a field of the schema', () => {
    const lists: string[] = [];
    for (const type of Object.values(real.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (isListType(getNullableType(field.type))) lists.push(`${type.name}.${field.name}`);
      }
    }
    expect(lists.length).toBeGreaterThan(10);
    const unsized = lists.filter((c) => {
      const spec = FIELD_COSTS[c];
      return !spec || (spec.size === undefined && spec.page === undefined);
    });
    expect(unsized, 'list fields without a size in src/graphql/field-costs.ts').toEqual([]);
    for (const coordinate of Object.keys(FIELD_COSTS)) {
      const [typeName = '', fieldName = ''] = coordinate.split('.');
      const type = real.getType(typeName);
      expect(type && isObjectType(type) ? type.getFields()[fieldName] : undefined, coordinate).toBeDefined();
    }
  });

  it('every SDK operation is within both limits, with room to spare', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.graphql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const doc = parse(readFileSync(new URL(file, dir), 'utf8'));
      expect(validateWithLimits(real, doc), file).toEqual([]);
      const [tooDeep] = validate(real, doc, [depthLimitRule(MAX_QUERY_DEPTH - 3)]);
      expect(tooDeep?.message, file).toBeUndefined();
      for (const op of doc.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        const variables = Object.fromEntries((op.variableDefinitions ?? []).map((v) => {
          const type = typeFromAST(real, v.type) as GraphQLInputType;
          return [v.variable.name.value, sample(type)];
        }));
        const check = checkOperation(real, doc, op.name?.value, variables, MAX_QUERY_COST / 2);
        expect(check.error?.message, `${file} ${op.name?.value}`).toBeUndefined();
        expect(check.cost, `${file} ${op.name?.value}`).not.toBeNull();
      }
    }
  });

  /** An admin screen: a page of leads, each with its offers (state, agent's name) and events. */
  const screen = (first: string) => `query($n: Int) { leads(first: ${first}) {
    edges { node { id firstName lastName state createdAt owner { name } status { name }
      offers { state agent { name } } events { type at agent { name } } } }
    pageInfo { hasNextPage endCursor } } }`;
  const perLead = 1 + 9 + 1 + LEAD_OFFERS * 3 + 1 + LEAD_EVENTS * 4;

  it('a screen of 100 leads with their offers and events passes, however its page size is given', () => {
    const expected = 1 + 1 + 100 * perLead + 3;
    expect(realCost(screen('100'))).toBe(expected);
    expect(realCost(screen('$n'), { n: 100 })).toBe(expected);
    expect(realCost(screen('$n').replace('$n: Int', '$n: Int = 100'))).toBe(expected);
    expect(expected).toBeLessThan(MAX_QUERY_COST / 2);
    // Left out, the page is the lead list's default of 20.
    expect(realCost(screen('$n'))).toBe(1 + 1 + 20 * perLead + 3);
  });

  it("a lead's routing costs every round's decisions; routing(round:) or routing(last: true) one round's", () => {
    const routing = (args: string) => realCost(`query($id: ID!, $r: Int) { lead(id: $id) { routing${args} { reason } } }`, { id: '1', r: 2 });
    expect(routing('')).toBe(1 + 1 + 2 * ROSTER);
    expect(routing('(last: false)')).toBe(1 + 1 + 2 * ROSTER);
    expect(routing('(round: 2)')).toBe(1 + 1 + ROSTER);
    expect(routing('(round: $r)')).toBe(1 + 1 + ROSTER);
    expect(routing('(last: true)')).toBe(1 + 1 + ROSTER);
  });

  it('a page size over the maximum counts as the maximum (the lead list refuses it anyway)', () => {
    expect(realCost(screen('$n'), { n: 1_000_000 })).toBe(realCost(screen(String(MAX_PAGE_SIZE))));
  });

  /** A tree of hundreds of thousands of objects: pages of leads, each offer's lead's events. */
  const tree = 'query($n: Int) { leads(first: $n) { edges { node { offers { lead { events { id type at } } } } } } }';

  it('a tree of hundreds of thousands of objects is refused, whether its size comes in a literal, a variable, a default, a fragment or aliases', () => {
    const refused = (query: string, variables?: Record<string, unknown>) =>
      checkOperation(real, parse(query), null, variables).error?.extensions.code;
    expect(refused(tree, { n: 100 })).toBe('QUERY_TOO_COMPLEX');
    expect(refused(tree.replace('$n: Int', '$n: Int = 100'))).toBe('QUERY_TOO_COMPLEX');
    expect(refused(tree.replace('query($n: Int)', 'query').replace('$n', '100'))).toBe('QUERY_TOO_COMPLEX');
    expect(refused('query($n: Int) { leads(first: $n) { edges { node { ...L } } } } fragment L on Lead { offers { lead { events { id type at } } } }',
      { n: 100 })).toBe('QUERY_TOO_COMPLEX');
    // Small pages, many of them.
    const aliased = `{ ${Array.from({ length: 10 }, (_, i) => `p${i}: leads(first: 10) { edges { node { offers { lead { events { id type at } } } } } }`).join(' ')} }`;
    expect(refused(aliased)).toBe('QUERY_TOO_COMPLEX');
    // The same tree, one page of ten, passes.
    expect(refused(tree, { n: 10 })).toBeUndefined();
  });

  it('a search costs its work: one passes, fifty aliased ones are refused', () => {
    const search = (i: number) => `s${i}: leads(first: 20, filter: { search: "example" }) { edges { node { id } } }`;
    const one = realCost(`{ ${search(0)} }`);
    expect(one).toBe(1 + SEARCH_COST + 1 + 20 * 2);
    expect(realCost('query($f: LeadFilter) { leads(filter: $f) { edges { node { id } } } }', { f: { search: 'example' } })).toBe(one);
    // A blank search is none.
    expect(realCost('{ leads(filter: { search: "  " }) { edges { node { id } } } }')).toBe(1 + 1 + 20 * 2);
    const fifty = checkOperation(real, parse(`{ ${Array.from({ length: 50 }, (_, i) => search(i)).join(' ')} }`), null, {});
    expect(fifty.error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', actual: 50 * (one ?? 0) });
  });

  it("the IDE's full introspection query passes both limits", () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
      schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    const check = checkOperation(real, parse(query), null, {});
    expect(check.error?.message).toBeUndefined();
    expect(validate(real, parse(query), [...specifiedRules, ...queryLimitRules])).toEqual([]);
  });

  it('counting costs what it walks: every match of a search more than every lead of a filter', () => {
    const page = 1 + 1 + 20 * 2;
    expect(realCost('{ leads { totalCount edges { node { id } } } }')).toBe(page + 1 + COUNT_COST);
    expect(realCost('query($f: LeadFilter) { leads(filter: $f) { totalCount edges { node { id } } } }', { f: { search: 'reyes' } }))
      .toBe(page + SEARCH_COST + 1 + SEARCH_COUNT_COST);
  });

  it('a creation-date range costs the walk to it, given in a literal or a variable', () => {
    const page = 1 + 1 + 20 * 2;
    expect(realCost('{ leads(filter: { createdTo: "2025-01-01T00:00:00Z" }) { edges { node { id } } } }')).toBe(page + DATE_RANGE_COST);
    expect(realCost('query($f: LeadFilter) { leads(filter: $f) { edges { node { id } } } }', { f: { createdFrom: '2025-01-01T00:00:00Z', search: 'x' } }))
      .toBe(page + DATE_RANGE_COST + SEARCH_COST);
  });

  it('validateWithLimits runs the limits only on an otherwise valid document', () => {
    const errors = validateWithLimits(real, parse('{ nope }'));
    expect(errors.map((e) => e.message)).toEqual(['Cannot query field "nope" on type "Query".']);
  });
});

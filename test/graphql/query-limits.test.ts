// The depth and cost limits as validation rules, over a small schema and over the real one.
import { readFileSync, readdirSync } from 'node:fs';
import { Kind, buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIST_SIZE, MAX_QUERY_COST, MAX_QUERY_DEPTH, QueryLimitError, costLimitRule, depthLimitRule, operationCost, queryLimitRules,
  validateWithLimits,
} from '../../src/graphql/query-limits.js';

const schema = buildSchema(`
  type Query { node: Node, items: [Node!]!, nodes(first: Int): [Node!]!, conn(first: Int): Conn! }
  type Node { id: ID!, child: Node, children: [Node!]! }
  type Conn { edges: [Edge!]!, pageInfo: PageInfo! }
  type Edge { node: Node! }
  type PageInfo { hasNextPage: Boolean! }
`);

function limitErrors(query: string): { code: unknown; actual: unknown; limit: unknown }[] {
  return validate(schema, parse(query), [...specifiedRules, ...queryLimitRules])
    .filter((e: GraphQLError) => e instanceof QueryLimitError)
    .map((e) => ({ code: e.extensions.code, actual: e.extensions.actual, limit: e.extensions.limit }));
}

/** The cost the rule measures for a document's first operation. */
function cost(query: string): number {
  const doc = parse(query);
  const fragments = new Map(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const operation = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation');
  return operationCost(schema, operation, (name) => fragments.get(name));
}

/** `{ node { child { child ... { id } } } }` with `levels` fields nested. */
const nested = (levels: number): string => `{ node ${'{ child '.repeat(levels - 2)}{ id }${' }'.repeat(levels - 2)} }`;

describe('depth limit', () => {
  it(`a query nested ${MAX_QUERY_DEPTH} fields deep passes; one level more is refused with QUERY_TOO_DEEP`, () => {
    expect(limitErrors(nested(MAX_QUERY_DEPTH))).toEqual([]);
    expect(limitErrors(nested(MAX_QUERY_DEPTH + 1)))
      .toEqual([{ code: 'QUERY_TOO_DEEP', actual: MAX_QUERY_DEPTH + 1, limit: MAX_QUERY_DEPTH }]);
  });

  it('depth counts through fragments and inline fragments', () => {
    const query = `query { node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } }
      fragment B on Node { ${'child { '.repeat(7)}id${' }'.repeat(7)} }`;
    expect(limitErrors(query).map((e) => e.code)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('the full introspection query passes both limits (introspection depth is exempt)', () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
      schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    expect(validate(schema, parse(query), [...specifiedRules, ...queryLimitRules])).toEqual([]);
  });

  it('cyclic fragments are reported by graphql and do not hang the rule', () => {
    const errors = validate(schema, parse('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }'),
      [...specifiedRules, depthLimitRule()]);
    expect(errors.map((e) => e.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
  });
});

describe('cost limit', () => {
  it(`each field costs 1; an unbounded list multiplies its selection by ${DEFAULT_LIST_SIZE}`, () => {
    expect(cost('{ node { id } }')).toBe(2);
    expect(cost('{ items { id child { id } } }')).toBe(1 + DEFAULT_LIST_SIZE * 3);
    expect(cost('{ items { children { id } } }')).toBe(1 + DEFAULT_LIST_SIZE * (1 + DEFAULT_LIST_SIZE));
  });

  it('a list with `first` multiplies by it; a variable counts as its default, else the default list size', () => {
    expect(cost('{ nodes(first: 5) { id } }')).toBe(6);
    expect(cost('query($n: Int = 3) { nodes(first: $n) { id } }')).toBe(4);
    expect(cost('query($n: Int) { nodes(first: $n) { id } }')).toBe(1 + DEFAULT_LIST_SIZE);
    expect(cost('{ nodes(first: 0) { id } }')).toBe(2);
  });

  it("a connection's page size counts once: its edges are not multiplied again", () => {
    expect(cost('{ conn(first: 10) { edges { node { id } } pageInfo { hasNextPage } } }')).toBe(1 + 10 * (1 + 2 + 2));
  });

  it(`hundreds of aliased list fields are refused with QUERY_TOO_COMPLEX (limit ${MAX_QUERY_COST})`, () => {
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: items { id }`).join(' ');
    expect(limitErrors(`{ ${aliases} }`)).toEqual([{ code: 'QUERY_TOO_COMPLEX', actual: expect.any(Number), limit: MAX_QUERY_COST }]);
    const few = Array.from({ length: 10 }, (_, i) => `a${i}: items { id }`).join(' ');
    expect(limitErrors(`{ ${few} }`)).toEqual([]);
  });

  it('a fragment bomb (each fragment spreading the next twice, 40 deep) is refused without expanding it', () => {
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Node { a: child { ...F${i + 1} } b: child { ...F${i + 1} } }`);
    const query = `{ node { ...F0 } } ${fragments.join(' ')} fragment F40 on Node { id }`;
    const codes = limitErrors(query).map((e) => e.code);
    expect(codes).toContain('QUERY_TOO_COMPLEX');
  });

  it('aliased introspection adds up: 1,000 copies of __schema are refused', () => {
    const one = '__schema { types { name fields { name type { name ofType { name } } } } }';
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `s${i}: ${one}`).join(' ')} }`;
    expect(limitErrors(query).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('the real schema', () => {
  const real = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
  const dir = new URL('../../schema/operations/', import.meta.url);

  it('every SDK operation is within both limits, with room to spare', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.graphql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(validateWithLimits(real, parse(text)), file).toEqual([]);
      const [tight] = validate(real, parse(text), [costLimitRule(MAX_QUERY_COST / 2), depthLimitRule(MAX_QUERY_DEPTH - 3)]);
      expect(tight?.message, file).toBeUndefined();
    }
  });

  it('validateWithLimits runs the limits only on an otherwise valid document', () => {
    const errors = validateWithLimits(real, parse('{ nope }'));
    expect(errors.map((e) => e.message)).toEqual(['Cannot query field "nope" on type "Query".']);
  });
});

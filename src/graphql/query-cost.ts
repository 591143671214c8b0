// The cost of one operation, computed with the request's own variables before anything executes,
// over HTTP (query-checks-plugin.ts) and WebSockets (checkOperation, from graphql-ws's onSubscribe).
//
// The model: every field selected costs 1 for each time it will be resolved. A list field multiplies
// what it selects by the number of items it can hold: a page's `first` (its default when left out,
// capped at its maximum), else the hard bound or estimate in field-costs.ts. A connection's `edges`
// are its page; its `pageInfo` and `totalCount` are one object. Some fields add the work they do
// beyond themselves (a search, counting every match, the dashboard): field-costs.ts has the figures.
// Sizes come from the arguments as they will execute: literals, variables, variable defaults and
// argument defaults alike. Fields under @skip(if: true) or @include(if: false) cost nothing.
// Introspection counts like the rest, its lists sized from the schema itself: `types` and
// `directives` as many as there are, a type's `fields`, `inputFields` and `enumValues` and a field's
// `args` as many as there are on average (how introspection walks them: every type, every field).
//
// The figure is exact, not stopped at the limit: fragments are costed once per place they can land
// (fragment, type, connection scope) and multiplied, so a "fragment bomb" that would expand to 2^40
// fields is costed in a few steps. It is reported as `extensions.actual` when refused and as
// `extensions.cost.actual` on an answer, beside the limit.
import {
  getArgumentValues, getDirectiveValues, getNamedType, getNullableType, getVariableValues, GraphQLIncludeDirective,
  GraphQLSkipDirective, isInterfaceType, isListType, isObjectType, isUnionType, Kind, SchemaMetaFieldDef, TypeMetaFieldDef,
  type FieldNode, type FragmentDefinitionNode, type FragmentSpreadNode, type GraphQLCompositeType, type GraphQLField,
  type GraphQLSchema, type InlineFragmentNode, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { FIELD_COSTS, type Args, type ConnectionScope, type FieldCost } from './field-costs.js';
import { introspectionCosts } from './introspection-costs.js';

/**
 * Highest cost an operation may have, set from measured resolution times (scripts/bench-query-cost.ts:
 * a seeded brokerage of 600 agents and 300,000 leads, on a shared 2-core machine). Fields resolve at
 * 2-9 µs a unit, so an operation at the limit takes 0.1-0.5 s. The admin screen of 100 leads with
 * their offers (state, agent's name) and events costs 14,605 (75-180 ms); 8 such pages aliased cost
 * 116,816 (0.5-1.6 s) and a tree of 250,000 objects 300,000: both refused.
 */
export const MAX_QUERY_COST = 50_000;
/** What a list field with no size in field-costs.ts (and no `first`) counts as. */
export const DEFAULT_LIST_SIZE = 20;
/** Costs are reported up to this (beyond it the exact figure does not matter, and JSON would lose it). */
const MAX_REPORTED = Number.MAX_SAFE_INTEGER;

type Fragments = (name: string) => FragmentDefinitionNode | undefined | null;
type Variables = Readonly<Record<string, unknown>>;

/**
 * The definition of field `name` on `parent`, or null (unknown field, union, or unknown parent).
 * `__schema` and `__type` are on no type's fields: graphql-js keeps them apart.
 */
function fieldDef(parent: GraphQLCompositeType | null, name: string): GraphQLField<unknown, unknown> | null {
  if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return null;
  return parent.getFields()[name] ?? null;
}

function typeCondition(schema: GraphQLSchema, name: string | undefined, fallback: GraphQLCompositeType | null): GraphQLCompositeType | null {
  if (!name) return fallback;
  const t = schema.getType(name);
  return t && (isObjectType(t) || isInterfaceType(t) || isUnionType(t)) ? t : null;
}

function compositeOf(field: GraphQLField<unknown, unknown> | null): GraphQLCompositeType | null {
  if (!field) return null;
  const named = getNamedType(field.type);
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? named : null;
}

/** False for a selection under @skip(if: true) or @include(if: false). */
function included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Variables): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  } catch {
    // A bad `if` fails execution before anything runs; counting the field is the safe side.
    return true;
  }
}

/** The arguments as they will execute; none when they do not coerce (execution then fails before resolving). */
function argumentsOf(def: GraphQLField<unknown, unknown> | null, node: FieldNode, variables: Variables): Args {
  if (!def || (!node.arguments?.length && def.args.every((a) => a.defaultValue === undefined))) return {};
  try {
    return getArgumentValues(def, node, variables);
  } catch {
    return {};
  }
}

/** A page size argument (`first`/`last`) of a field the table does not know, at least 1. */
function genericPage(args: Args): number | null {
  const value = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : null;
  return value === null ? null : Math.max(1, value);
}

const sizeOf = (spec: FieldCost, args: Args): number | null =>
  spec.size === undefined ? null : typeof spec.size === 'number' ? spec.size : spec.size(args);

class CostWalk {
  /** Cost of a fragment's selections (factor 1) where it lands: keyed by fragment, type and scope. */
  private readonly memo = new Map<string, number>();
  private readonly visiting = new Set<string>();

  constructor(private readonly schema: GraphQLSchema, private readonly fragments: Fragments, private readonly variables: Variables) {}

  /** The cost of `set` resolved once on `parent`; `scope` is set when `parent` is a connection. */
  selections(set: SelectionSetNode, parent: GraphQLCompositeType | null, scope: ConnectionScope | null): number {
    let total = 0;
    for (const sel of set.selections) {
      if (!included(sel, this.variables)) continue;
      if (sel.kind === Kind.FIELD) total += this.field(sel, parent, scope);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += this.selections(sel.selectionSet, typeCondition(this.schema, sel.typeCondition?.name.value, parent), scope);
      } else total += this.spread(sel.name.value, parent, scope);
    }
    return total;
  }

  private spread(name: string, parent: GraphQLCompositeType | null, scope: ConnectionScope | null): number {
    const fragment = this.fragments(name);
    if (!fragment) return 0;
    const type = typeCondition(this.schema, fragment.typeCondition.name.value, parent);
    const key = `${name}\u0000${type?.name ?? ''}\u0000${scope ? `${scope.page},${scope.count}` : ''}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    // A cycle is graphql's own validation error; costed as nothing here so the walk ends.
    if (this.visiting.has(key)) return 0;
    this.visiting.add(key);
    const cost = this.selections(fragment.selectionSet, type, scope);
    this.visiting.delete(key);
    this.memo.set(key, cost);
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType | null, scope: ConnectionScope | null): number {
    const name = node.name.value;
    const def = fieldDef(parent, name);
    const coordinate = `${parent?.name ?? ''}.${name}`;
    const spec: FieldCost = FIELD_COSTS[coordinate] ?? introspectionCosts(this.schema)[coordinate] ?? {};
    // Coercing arguments is most of the walk's time: only for fields whose cost depends on them.
    const sized = spec.connection !== undefined || spec.extra !== undefined || typeof spec.size === 'function'
      || (def?.args.some((a) => a.name === 'first' || a.name === 'last') ?? false);
    const args = sized ? argumentsOf(def, node, this.variables) : {};
    const own = 1 + (spec.extra?.(args) ?? 0) + (spec.count && scope ? scope.count : 0);
    if (!node.selectionSet) return own;

    const isList = def !== null && isListType(getNullableType(def.type));
    let items = 1;
    let childScope: ConnectionScope | null = null;
    if (spec.connection) childScope = spec.connection(args);
    else if (isList) {
      const page = genericPage(args);
      items = sizeOf(spec, args) ?? (spec.page && scope ? scope.page : null) ?? page
        // A list directly inside a paged field the table does not know: that page.
        ?? (scope ? scope.page : DEFAULT_LIST_SIZE);
    } else {
      // An object with a page size the table does not know: a connection whose lists are that page.
      const page = genericPage(args);
      if (page !== null) childScope = { page, count: 0 };
    }
    return own + items * this.selections(node.selectionSet, compositeOf(def), childScope);
  }
}

/**
 * The cost of `operation` with the request's `variables` (raw, as sent: they are coerced here as
 * execution will coerce them, defaults included), or null when they do not coerce: execution then
 * refuses the request before resolving anything.
 */
export function operationCost(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments,
  variables: Readonly<Record<string, unknown>> = {}): number | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 1 });
  return coerced.errors ? null : costWithCoercedVariables(schema, operation, fragments, coerced.coerced);
}

/** operationCost with variables already coerced (query-checks.ts coerces them once for every check). */
export function costWithCoercedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments,
  coerced: Readonly<Record<string, unknown>>): number {
  const root = operation.operation === 'query' ? schema.getQueryType()
    : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const cost = new CostWalk(schema, fragments, coerced).selections(operation.selectionSet, root ?? null, null);
  return Math.min(cost, MAX_REPORTED);
}

// Limits on what one GraphQL document may ask for, checked during validation — before anything
// executes — over HTTP (Apollo `validationRules`) and WebSockets (graphql-ws `onSubscribe`) alike.
//
// Depth: nested field levels, `{ me { id } }` is 2. Introspection (`__schema`, `__type`) is exempt:
// the playground's introspection query nests TypeRef eight `ofType`s deep and must keep working,
// and introspection cost is still counted below.
//
// Cost: every field costs 1; a list field multiplies the cost of what it selects by its `first`
// (or `last`) argument, or by DEFAULT_LIST_SIZE when the list is unbounded. A variable page size
// counts as the variable's default value, else DEFAULT_LIST_SIZE (its value is not known while
// validating; resolvers cap page sizes). Lists directly inside a paginated connection (`edges`,
// `nodes`) are not multiplied again. Introspection fields cost 1 each, unmultiplied: the schema is
// small, but aliasing `__schema` hundreds of times still adds up.
//
// Walks expand fragments. Depth is memoised per fragment and cost stops as soon as it passes the
// limit, so a "fragment bomb" cannot make the check itself expensive. Both rules tolerate invalid
// documents (unknown fields, missing or cyclic fragments): graphql's own rules report those.
import {
  GraphQLError, getNamedType, getNullableType, isListType, isObjectType, isInterfaceType, isUnionType,
  Kind, specifiedRules, validate, type ASTVisitor, type DocumentNode, type FieldNode,
  type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLField, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule, type ValueNode,
} from 'graphql';

/** Deepest nesting of fields a document may have (introspection excepted). */
export const MAX_QUERY_DEPTH = 10;
/** Highest cost a document may have; a real client's largest operation costs a few hundred. */
export const MAX_QUERY_COST = 5000;
/** What an unbounded list field, or a page size given by a variable without a default, counts as. */
export const DEFAULT_LIST_SIZE = 20;

/** The error codes of the limits (extensions.code). */
export enum QueryLimitCode {
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
}

/** A document refused by a limit. The error formatter keeps its code and figures. */
export class QueryLimitError extends GraphQLError {
  constructor(readonly code: QueryLimitCode, message: string, node: OperationDefinitionNode, readonly figures: { limit: number; actual: number }) {
    super(message, { nodes: [node], extensions: { code, ...figures } });
    this.name = 'QueryLimitError';
  }
}

const isIntrospectionField = (name: string): boolean => name.startsWith('__');

type Fragments = (name: string) => FragmentDefinitionNode | undefined | null;

/** The definition of field `name` on `parent`, or null (unknown field, union, or unknown parent). */
function fieldDef(parent: GraphQLCompositeType | null, name: string): GraphQLField<unknown, unknown> | null {
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

// ---------------------------------------------------------------------------------------- depth

/** Depth of a selection set: 0 for none, else 1 + the deepest field's selections. */
function selectionDepth(set: SelectionSetNode | undefined, fragments: Fragments, memo: Map<string, number>, visiting: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const sel of set.selections) {
    let d = 0;
    if (sel.kind === Kind.FIELD) {
      if (isIntrospectionField(sel.name.value)) continue;
      d = 1 + selectionDepth(sel.selectionSet, fragments, memo, visiting);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      d = selectionDepth(sel.selectionSet, fragments, memo, visiting);
    } else {
      const name = sel.name.value;
      const known = memo.get(name);
      if (known !== undefined) d = known;
      else if (!visiting.has(name)) {
        const fragment = fragments(name);
        visiting.add(name);
        d = fragment ? selectionDepth(fragment.selectionSet, fragments, memo, visiting) : 0;
        visiting.delete(name);
        memo.set(name, d);
      }
    }
    if (d > deepest) deepest = d;
  }
  return deepest;
}

/** The depth of an operation, as the rule measures it (exported for tests and benchmarks). */
export function operationDepth(operation: OperationDefinitionNode, fragments: Fragments): number {
  return selectionDepth(operation.selectionSet, fragments, new Map(), new Set());
}

/** Refuses operations nested deeper than `max` fields (introspection excepted). */
export function depthLimitRule(max = MAX_QUERY_DEPTH): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = operationDepth(node, (n) => context.getFragment(n));
      if (depth > max) {
        context.reportError(new QueryLimitError(QueryLimitCode.QUERY_TOO_DEEP,
          `query is nested ${depth} levels deep; at most ${max} are allowed`, node, { limit: max, actual: depth }));
      }
    },
  });
}

// ----------------------------------------------------------------------------------------- cost

/** The page size a field asks for (`first` or `last`), or null when it names none. */
function pageSize(field: FieldNode, variableDefaults: ReadonlyMap<string, ValueNode | undefined>): number | null {
  const arg = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  if (!arg) return null;
  let value: ValueNode | undefined = arg.value;
  if (value.kind === Kind.VARIABLE) value = variableDefaults.get(value.name.value);
  // At least 1: `first: 0` must not make a subtree free to walk.
  return value?.kind === Kind.INT ? Math.max(1, Number.parseInt(value.value, 10)) : DEFAULT_LIST_SIZE;
}

class CostWalk {
  total = 0;
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Fragments,
    private readonly variableDefaults: ReadonlyMap<string, ValueNode | undefined>,
    private readonly max: number,
  ) {}

  /** Adds the cost of `set` times `factor` to the total; stops once the total is over the limit. */
  walk(set: SelectionSetNode | undefined, parent: GraphQLCompositeType | null, factor: number, inPage: boolean,
    introspection: boolean, visiting: Set<string>): void {
    if (!set) return;
    for (const sel of set.selections) {
      if (this.total > this.max) return;
      if (sel.kind === Kind.FIELD) {
        this.total += factor;
        if (!sel.selectionSet) continue;
        const def = fieldDef(parent, sel.name.value);
        // Inside introspection the types are not needed: nothing there is multiplied.
        const child = compositeOf(def);
        const intro = introspection || isIntrospectionField(sel.name.value);
        let multiplier = 1;
        let childInPage = false;
        if (!intro) {
          const page = pageSize(sel, this.variableDefaults);
          const list = def !== null && isListType(getNullableType(def.type));
          if (page !== null) {
            multiplier = page;
            // A connection object: its edges/nodes lists are the page, already counted.
            childInPage = !list;
          } else if (list) {
            multiplier = inPage ? 1 : DEFAULT_LIST_SIZE;
          }
        }
        this.walk(sel.selectionSet, child, factor * multiplier, childInPage, intro, visiting);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        this.walk(sel.selectionSet, typeCondition(this.schema, sel.typeCondition?.name.value, parent), factor, inPage, introspection, visiting);
      } else {
        const name = sel.name.value;
        const fragment = this.fragments(name);
        if (!fragment || visiting.has(name)) continue;
        visiting.add(name);
        this.walk(fragment.selectionSet, typeCondition(this.schema, fragment.typeCondition.name.value, parent), factor, inPage, introspection, visiting);
        visiting.delete(name);
      }
    }
  }
}

/**
 * The cost of an operation, as the rule measures it. Counting stops just past `max`, so the
 * result is exact up to `max` and merely "over" beyond it.
 */
export function operationCost(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments, max = Number.MAX_SAFE_INTEGER): number {
  const defaults = new Map<string, ValueNode | undefined>(
    (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, v.defaultValue]),
  );
  const root = operation.operation === 'query' ? schema.getQueryType()
    : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const walk = new CostWalk(schema, fragments, defaults, max);
  walk.walk(operation.selectionSet, root ?? null, 1, false, false, new Set());
  return walk.total;
}

/** Refuses operations whose cost is over `max`. */
export function costLimitRule(max = MAX_QUERY_COST): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const cost = operationCost(context.getSchema(), node, (n) => context.getFragment(n), max);
      if (cost > max) {
        context.reportError(new QueryLimitError(QueryLimitCode.QUERY_TOO_COMPLEX,
          `query is too complex: its cost is over ${max} (each field counts 1, lists count ${DEFAULT_LIST_SIZE} items `
          + 'or their `first`); ask for fewer fields or smaller pages', node, { limit: max, actual: cost }));
      }
    },
  });
}

/** The limit rules every transport adds to graphql's own. */
export const queryLimitRules: readonly ValidationRule[] = [depthLimitRule(), costLimitRule()];

/**
 * graphql's validation plus the limits, for transports that validate themselves (graphql-ws).
 * The limits run only on an otherwise valid document, so their errors never mask a plain mistake.
 */
export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  const errors = validate(schema, document, specifiedRules);
  return errors.length > 0 ? errors : validate(schema, document, queryLimitRules);
}

// The depth limit on what one GraphQL document may ask for, checked during validation — before
// anything executes — over HTTP (Apollo `validationRules`) and WebSockets (graphql-ws `onSubscribe`)
// alike, and the error both query limits answer with. The cost limit needs the request's variables,
// which validation never sees: it is checked after validation (query-checks.ts, query-cost.ts).
//
// Depth: nested field levels, `{ me { id } }` is 2. Introspection (`__schema`, `__type`) is exempt:
// the playground's introspection query nests TypeRef eight `ofType`s deep and must keep working
// (its cost is still counted).
//
// The walk expands fragments, memoised per fragment, so a "fragment bomb" cannot make the check
// itself expensive. It tolerates invalid documents (unknown fields, missing or cyclic fragments):
// graphql's own rules report those.
import {
  GraphQLError, Kind, specifiedRules, validate, type ASTVisitor, type DocumentNode, type FragmentDefinitionNode,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule,
} from 'graphql';

/** Deepest nesting of fields a document may have (introspection excepted). */
export const MAX_QUERY_DEPTH = 10;

/** The error codes of the limits (extensions.code). */
export enum QueryLimitCode {
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
}

/**
 * A document refused by a limit. The error formatter keeps its code and figures; `http` makes Apollo
 * answer 400 when it is thrown after validation (query-checks-plugin.ts).
 */
export class QueryLimitError extends GraphQLError {
  constructor(readonly code: QueryLimitCode, message: string, node: OperationDefinitionNode, readonly figures: { limit: number; actual: number }) {
    super(message, { nodes: [node], extensions: { code, ...figures, http: { status: 400 } } });
    this.name = 'QueryLimitError';
  }
}

const isIntrospectionField = (name: string): boolean => name.startsWith('__');

type Fragments = (name: string) => FragmentDefinitionNode | undefined | null;

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

/** The limit rules every transport adds to graphql's own (the cost limit is checked after validation: query-checks.ts). */
export const queryLimitRules: readonly ValidationRule[] = [depthLimitRule()];

/**
 * graphql's validation plus the depth limit, for transports that validate themselves (graphql-ws).
 * The limit runs only on an otherwise valid document, so their errors never mask a plain mistake.
 */
export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  const errors = validate(schema, document, specifiedRules);
  return errors.length > 0 ? errors : validate(schema, document, queryLimitRules);
}

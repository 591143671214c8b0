// A GraphQL document together with the types of its result and variables (from generated.ts), so
// that a request built from it is typed end to end while the browser sends the text as written.

export interface Operation<Result, Variables> {
  readonly text: string;
  /** Never set: carries the types to request() and subscribe(). */
  readonly types?: { result: Result; variables: Variables };
}

/** `text` is one operation and the fragments it uses (a template literal that interpolates them). */
export function operation<Result, Variables>(text: string): Operation<Result, Variables> {
  return { text };
}

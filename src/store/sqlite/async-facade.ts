// The port's asynchronous stores over the synchronous SQLite ones. Each store's methods are made
// once into a class whose instances differ only in their gate: the connection lock for the outer
// store, or one transaction or savepoint (connection.ts TxScope). Every transaction makes its own
// instances (an object each, no closures), so a store reached through an ended transaction refuses.
// A call runs the synchronous statement and hands back an already settled promise: cheap to await.
import type { Gate } from './connection.js';

/** The store `S` with every method returning a promise of what it returned. */
export type Promised<S> = {
  [K in keyof S]: S[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

type AnyMethod = (...args: never[]) => unknown;

/** Makes the facade class of a synchronous store once; the returned function binds it to a gate. */
export function facadeOf<S extends { [K in keyof S]: AnyMethod }>(core: S): (gate: Gate) => Promised<S> {
  class Facade {
    constructor(readonly gate: Gate) {}
  }
  for (const [name, method] of Object.entries(core)) {
    if (typeof method !== 'function') throw new Error(`store member ${name} is not a method`);
    const fn = method as (...args: unknown[]) => unknown;
    Object.defineProperty(Facade.prototype, name, {
      // gate.apply rather than gate.run(() => fn(...args)): no closure made per call (this runs for
      // every store call of every request, and the async port's garbage showed in the profiles).
      value(this: Facade, ...args: unknown[]) {
        return this.gate.apply(fn, args);
      },
    });
  }
  // The prototype holds one method per method of `core`, each returning gate.run's promise of its
  // result: the shape Promised<S> names, which TypeScript cannot see through defineProperty.
  return (gate) => new Facade(gate) as unknown as Promised<S>;
}

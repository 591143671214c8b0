// The Node.js options the server runs with: `npm start` (package.json) passes these, and so do the
// benchmarks and the tests that start the real entry point (test/server/node-options.test.ts holds
// package.json to this list).
//
// --v8-pool-size=0: V8's background threads (concurrent marking, parallel scavenges, background
// compilation) number the machine's cores less one, not Node's fixed four. The server shares its
// machine with PostgreSQL (or with other instances), and speed to lead waits on the database backends
// between its statements: with four GC threads on two cores, each major GC of the server took the
// cores from those backends and made a 30-60 ms stall of every lead in flight (the speed benchmark's
// max on PostgreSQL + Redis: 34.7, 41.6 and 47.7 ms with four, 16.9, 20.9 and 25.8 ms with one, in
// alternated runs; README, Performance).
export const SERVER_NODE_OPTIONS: readonly string[] = ['--v8-pool-size=0'];

/**
 * How the server's TypeScript is loaded: tsx's ESM hooks only (`tsx/esm`), not `tsx`, which also hooks
 * CommonJS `require`. Our code is ESM; the packages that use `require` are plain JavaScript and need no
 * hook. With the CommonJS hook every `require` at run time went through tsx's resolver, and Apollo
 * requires `crypto` on every request (@apollo/utils.createhash, for the query's hash): 3.7 % of the
 * server's CPU for `{ __typename }` and 1.5 % for submitLead (the intake benchmark's profile).
 */
export const TS_LOADER: readonly string[] = ['--import', 'tsx/esm'];

/** The options of SERVER_NODE_OPTIONS that this process was not started with (for the start log). */
export function missingNodeOptions(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map((o) => o.split('=')[0]));
  return SERVER_NODE_OPTIONS.filter((o) => !given.has(o.split('=')[0]));
}

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

/** The options of SERVER_NODE_OPTIONS that this process was not started with (for the start log). */
export function missingNodeOptions(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map((o) => o.split('=')[0]));
  return SERVER_NODE_OPTIONS.filter((o) => !given.has(o.split('=')[0]));
}

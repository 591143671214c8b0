// Preloaded into a server child by scripts/bench/pg-write-path.ts (NODE_OPTIONS="--import=<this file>",
// LEADRACE_PG_TRACE=<path>): counts every statement the server sends PostgreSQL through node-postgres
// (each one round trip: node-postgres sends the next only after the previous answered on that
// connection) and the time from sending it to its answer, by statement text. A transaction's BEGIN
// does not reach node-postgres on its own: it goes with the transaction's first statement (the store's
// commit-batch.ts), so it is not counted as a statement. On SIGUSR2 it writes
// what it counted since the last signal to LEADRACE_PG_TRACE and starts counting afresh. The server's
// own code is not touched. Plain JavaScript, because imports in NODE_OPTIONS load before tsx is
// registered.
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.env.LEADRACE_PG_TRACE;
if (out) {
  // The same module instance the server's `import pg from 'pg'` gets (pg's ESM entry wraps its CommonJS one).
  const { Client } = createRequire(import.meta.url)('pg');
  /** Statement text (parameters numbered, multi-row VALUES folded) -> [count, ms, rows in VALUES]. */
  let byText = new Map();
  let dumps = 0;
  const normalise = (text) => text.replace(/\s+/g, ' ').replace(/\$\d+/g, '?')
    // Quoted literals (a statement sent with the COMMIT carries its values so): one statement whatever they hold.
    .replace(/E?'(?:[^']|'')*'/g, "'…'")
    // A multi-row insert is one statement whatever its row count: fold the tuples, keep how many.
    .replace(/\((?:\?|default)(?:, ?(?:\?|default))*\)(?:, ?\((?:\?|default)(?:, ?(?:\?|default))*\))*/g, '(…)')
    .replace(/ in \((?:\d+, ?)*\d+\)/gi, ' in (…)');
  const tuples = (text) => (text.match(/\((?:\$\d+|default)(?:, ?(?:\$\d+|default))*\)/g) ?? []).length;
  // The same texts come again and again: each normalised once (a bound keeps one-off texts from piling up).
  const shapes = new Map();
  const record = (text, ms) => {
    let shape = shapes.get(text);
    if (shape === undefined) {
      shape = { key: normalise(text), rows: /^\s*insert/i.test(text) ? tuples(text) : 0 };
      if (shapes.size < 10_000) shapes.set(text, shape);
    }
    let entry = byText.get(shape.key);
    if (!entry) byText.set(shape.key, entry = [0, 0, 0]);
    entry[0] += 1;
    entry[1] += ms;
    entry[2] += shape.rows;
  };
  const query = Client.prototype.query;
  Client.prototype.query = function traced(config, values, callback) {
    const text = typeof config === 'string' ? config : (config && typeof config.text === 'string' ? config.text : '(other)');
    const t0 = performance.now();
    const done = () => record(text, performance.now() - t0);
    if (typeof callback === 'function') {
      return query.call(this, config, values, function tracedCallback(...a) { done(); return callback.apply(this, a); });
    }
    if (typeof values === 'function') {
      return query.call(this, config, function tracedCallback(...a) { done(); return values.apply(this, a); });
    }
    const result = query.call(this, config, values, callback);
    if (result && typeof result.then === 'function') result.then(done, done);
    else done();
    return result;
  };
  process.on('SIGUSR2', () => {
    dumps += 1;
    const statements = [...byText].map(([text, [n, ms, rows]]) => ({ text, n, ms, rows }));
    byText = new Map();
    writeFileSync(`${out}.tmp`, JSON.stringify({ dumps, statements }));
    renameSync(`${out}.tmp`, out);
  });
}

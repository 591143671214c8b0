// What node-postgres sends: every statement any client (a store's pools included) passes to
// pg.Client.prototype.query while a function runs. Each is a round trip of its own; a transaction's BEGIN
// is not among them, since it goes with its first statement (src/store/postgres/commit-batch.ts).
import pg from 'pg';

/** The statements every node-postgres client sends while `fn` runs (the store's pool included), with their parameters. */
export async function statementsOf(fn: () => Promise<unknown>): Promise<{ text: string; values: unknown[] }[]> {
  const seen: { text: string; values: unknown[] }[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args;
    if (typeof first === 'string') seen.push({ text: first, values: Array.isArray(second) ? second : [] });
    else if (first && typeof first === 'object' && 'text' in first) {
      const config = first as { text: string; values?: unknown[] };
      seen.push({ text: config.text, values: config.values ?? (Array.isArray(second) ? second : []) });
    }
    return query.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = query;
  }
  return seen;
}

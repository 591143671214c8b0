// Named prepared statements for the statements an instance sends again and again. node-postgres sends
// an unnamed statement's full text with every call, and PostgreSQL parses and plans it every time: on the
// routing path that was most of a simple statement's cost in the backend. A statement with a name is
// parsed once per connection (node-postgres remembers which names each connection has parsed) and its
// plan is cached there. drizzle gives its statements no names, so the pool's connections name them here,
// by their text: one text, one name, on every connection.
//
// Bounded: a text is named once it has been seen HOT_AFTER times (a one-off admin query stays unnamed),
// and at most MAX_NAMES texts ever get a name (statements built with a varying number of rows or ids
// could otherwise fill every connection with plans). Transaction control and multi-statement texts are
// never named, nor is a statement without parameters (it
// may hold several statements, which only a simple query can).
import type pg from 'pg';

export const HOT_AFTER = 3;
export const MAX_NAMES = 256;

export class StatementNames {
  private readonly seen = new Map<string, number>();
  private readonly names = new Map<string, string>();

  /** The name for this text, or undefined while it is not (or cannot be) named. */
  nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.names.size >= MAX_NAMES) return name;
    const count = (this.seen.get(text) ?? 0) + 1;
    if (count < HOT_AFTER) {
      // Counting is bounded too: past the cap of texts counted, new texts are simply never named.
      if (this.seen.size < MAX_NAMES * 8) this.seen.set(text, count);
      return undefined;
    }
    this.seen.delete(text);
    const named = `leadrace_${this.names.size + 1}`;
    this.names.set(text, named);
    return named;
  }

  get size(): number {
    return this.names.size;
  }
}

/** Query configs that may be named: a parameterised statement (drizzle's), not a simple query. */
function nameable(config: unknown): config is { text: string; name?: string; values?: unknown } {
  if (typeof config !== 'object' || config === null) return false;
  const c = config as { text?: unknown; name?: unknown; submit?: unknown };
  return typeof c.text === 'string' && c.name === undefined && c.submit === undefined && !/^\s*(begin|commit|rollback|savepoint|release|set|listen|notify)\b/i.test(c.text);
}

/** Makes every connection the pool opens name its hot statements (see the top of this file). */
export function nameHotStatements(pool: pg.Pool, names: StatementNames): void {
  pool.on('connect', (client) => {
    // The client class's own query, looked up at each call (not kept from here), so that whatever
    // wraps pg.Client.prototype.query later (a test counting statements, a tracer) still sees them all.
    const proto = Object.getPrototypeOf(client) as { query: (...args: unknown[]) => unknown };
    const query = (...args: unknown[]): unknown => proto.query.apply(client, args);
    (client as unknown as { query: (config: unknown, ...rest: unknown[]) => unknown }).query = (config, ...rest) => {
      // Only statements with parameters: they go by the extended protocol anyway, where a text holds one
      // statement. One without (a simple query) may hold several, which a named statement cannot.
      const values = Array.isArray(rest[0]) ? rest[0] : (config as { values?: unknown } | null)?.values;
      if (Array.isArray(values) && values.length > 0 && nameable(config)) {
        const name = names.nameFor(config.text);
        if (name !== undefined) return query({ ...config, name }, ...rest);
      }
      return query(config, ...rest);
    };
  });
}

// Prepared statements for writes whose columns vary by call (an insert of a partial row, an update
// of a patch). Each shape (which columns are given, and which of them are null) gets one statement
// with a placeholder per non-null value, built and prepared on first use and reused after: the hot
// path neither builds SQL nor re-prepares it. Omitted columns keep their defaults and null values
// stay literal NULLs, exactly as the unprepared insert or update would write them.
import { sql, type SQL } from 'drizzle-orm';

/** The SQL values of a shape: a placeholder named after each column, or NULL. */
export type ShapeValues = Record<string, SQL | ReturnType<typeof sql.placeholder>>;

/** Shapes are few (they come from the code, not from input); this only guards against a leak. */
const MAX_SHAPES = 256;

export function preparedByShape<S>(make: (values: ShapeValues) => S) {
  const cache = new Map<string, S>();
  return (row: object): { statement: S; params: Record<string, unknown> } => {
    let key = '';
    const params: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      if (value === undefined) continue;
      if (value === null) key += `${column}=null,`;
      else {
        key += `${column},`;
        params[column] = value;
      }
    }
    let statement = cache.get(key);
    if (statement === undefined) {
      const values: ShapeValues = {};
      for (const [column, value] of Object.entries(row)) {
        if (value !== undefined) values[column] = value === null ? sql`null` : sql.placeholder(column);
      }
      statement = make(values);
      if (cache.size >= MAX_SHAPES) cache.clear();
      cache.set(key, statement);
    }
    return { statement, params };
  };
}

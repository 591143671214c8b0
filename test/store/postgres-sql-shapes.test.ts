// Raw statements rendered once per shape (src/store/postgres/prebuilt.ts SqlShapes), as writeRound's is:
// a call fills in the values of the placeholders and renders nothing, every occurrence of a placeholder
// gets its value, and a shape past the cap is still answered right, rendered at each call.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { intArrayText, nullableIntArrayText, SqlShapes, textArrayText } from '../../src/store/postgres/prebuilt.js';

describe('SqlShapes', () => {
  it('renders a shape once and fills each call\'s values, repeated placeholders included', () => {
    let renders = 0;
    const shapes = new SqlShapes<{ extra: boolean }>((shape) => {
      renders++;
      const p = (name: string) => sql.placeholder(name);
      return sql`SELECT ${p('a')}::int, ${p('b')}::text${shape.extra ? sql`, ${p('a')}::int + 1` : sql``}`;
    });
    const first = shapes.query('plain', { extra: false }, { a: 1, b: 'x' });
    const second = shapes.query('plain', { extra: false }, { a: 2, b: 'y' });
    expect(renders).toBe(1);
    expect(first).toEqual({ text: 'SELECT $1::int, $2::text', values: [1, 'x'] });
    expect(second).toEqual({ text: 'SELECT $1::int, $2::text', values: [2, 'y'] });
    const extra = shapes.query('extra', { extra: true }, { a: 5, b: 'z' });
    expect(renders).toBe(2);
    expect(extra).toEqual({ text: 'SELECT $1::int, $2::text, $3::int + 1', values: [5, 'z', 5] });
  });

  it('refuses a call that lacks a placeholder\'s value instead of sending NULL', () => {
    const shapes = new SqlShapes<null>(() => sql`SELECT ${sql.placeholder('a')}::int`);
    expect(() => shapes.query('k', null, {})).toThrow(/a/);
  });

  it('keeps at most `max` shapes; the others are rendered at each call and still answered right', () => {
    let renders = 0;
    const shapes = new SqlShapes<number>((n) => {
      renders++;
      return sql`SELECT ${sql.placeholder('v')}::int + ${sql.raw(String(n))}`;
    }, 2);
    for (let round = 0; round < 2; round++) {
      for (const n of [1, 2, 3]) expect(shapes.query(String(n), n, { v: 10 })).toEqual({ text: `SELECT $1::int + ${n}`, values: [10] });
    }
    expect(renders).toBe(4);
  });

  it('array parameters are the texts PostgreSQL reads as int[] and text[]', () => {
    expect(intArrayText([3, 1, 2])).toBe('{3,1,2}');
    expect(nullableIntArrayText([4, null])).toBe('{4,NULL}');
    expect(textArrayText(['a"b', 'c\\d', 'e,f'])).toBe('{"a\\"b","c\\\\d","e,f"}');
  });
});

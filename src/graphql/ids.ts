// GraphQL IDs in, integer ids out. An id that cannot be ours names nothing: NOT_FOUND for the
// object an operation acts on, BAD_USER_INPUT for an id inside an input.
import { badInput, notFound } from '../domain/errors.js';
import { parseId } from '../domain/validation.js';

export function targetId(raw: string | number, what: string): number {
  const id = parseId(raw);
  if (id === null) throw notFound(what);
  return id;
}

export function inputIds(field: string, raws: readonly (string | number)[]): number[] {
  return raws.map((raw) => {
    const id = parseId(raw);
    if (id === null) throw badInput(field, `"${raw}" is not a valid id`);
    return id;
  });
}

export function inputId(field: string, raw: string | number): number {
  const id = parseId(raw);
  if (id === null) throw badInput(field, `"${raw}" is not a valid id`);
  return id;
}

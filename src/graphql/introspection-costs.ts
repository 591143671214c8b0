// The sizes of introspection's lists, for the query-cost model, read from the schema itself:
// `__schema { types }` lists every type and `directives` every directive; a type's `fields`,
// `inputFields` and `enumValues` and a field's or directive's `args` count as many as there are on
// average per type (or per field), since introspection walks all of them. A full introspection of
// this schema (the IDE's) then costs what it resolves, and a thousand aliased `__schema` copies
// cost a thousand times that. Lists not named here (interfaces, possibleTypes) count as 1.
import {
  isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema,
} from 'graphql';
import type { FieldCost } from './field-costs.js';

const cache = new WeakMap<GraphQLSchema, Readonly<Record<string, FieldCost>>>();

/** The introspection lists' sizes for `schema`, by coordinate (computed once per schema). */
export function introspectionCosts(schema: GraphQLSchema): Readonly<Record<string, FieldCost>> {
  const known = cache.get(schema);
  if (known) return known;
  const types = Object.values(schema.getTypeMap());
  let fields = 0;
  let args = 0;
  let inputFields = 0;
  let enumValues = 0;
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        fields += 1;
        args += field.args.length;
      }
    } else if (isInputObjectType(type)) inputFields += Object.keys(type.getFields()).length;
    else if (isEnumType(type)) enumValues += type.getValues().length;
  }
  const directives = schema.getDirectives();
  const directiveArgs = directives.reduce((n, d) => n + d.args.length, 0);
  const perType = (n: number) => Math.max(1, Math.ceil(n / types.length));
  const costs: Record<string, FieldCost> = {
    '__Schema.types': { size: types.length },
    '__Schema.directives': { size: directives.length },
    '__Type.fields': { size: perType(fields) },
    '__Type.inputFields': { size: perType(inputFields) },
    '__Type.enumValues': { size: perType(enumValues) },
    '__Field.args': { size: Math.max(1, Math.ceil(args / Math.max(1, fields))) },
    '__Directive.args': { size: Math.max(1, Math.ceil(directiveArgs / Math.max(1, directives.length))) },
    '__Type.interfaces': { size: 1 },
    '__Type.possibleTypes': { size: 1 },
  };
  cache.set(schema, costs);
  return costs;
}

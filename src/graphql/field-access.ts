// Who may read which field, applied to the built schema in one place, whatever path reaches the
// field (a root query, lead.source, offer.lead.source, myOffers, a subscription's payload).
//
// Two kinds of rule, told apart on purpose:
// - By role (ROLE_RULES): fields only admins may read (a source's routing internals, a lead's routing
//   explanation), or only the user themselves or an admin (a halt and its reason). Anyone else gets
//   FORBIDDEN (UNAUTHENTICATED without a token) on that field. Every such field is nullable (checked
//   when the schema is built), so the error and the null stay on that field alone and the rest of the
//   answer is given: one fragment can serve an admin's screen and an agent's.
// - By a lead's visibility (domain/lead-visibility.ts): what a caller sees of one lead. A hidden field
//   is null or an empty list, without an error (the contract's Lead query is answered in full to an
//   offered agent), and Lead.contactHidden says that nulls mean "hidden", not "not given". A hidden
//   non-null field that cannot be empty (firstName to a web form) is NOT_FOUND.
import {
  defaultFieldResolver, type GraphQLField, type GraphQLFieldResolver, GraphQLList, GraphQLNonNull, type GraphQLOutputType,
  type GraphQLSchema, isObjectType,
} from 'graphql';
import { forbidden, notFound } from '../domain/errors.js';
import { LEAD_FIELD_VISIBILITY, leadFieldVisible, type LeadVisibility } from '../domain/lead-visibility.js';
import { type GraphQLContext, requireAdmin, requireViewer } from './context.js';

type RoleRule = 'ADMIN' | 'SELF_OR_ADMIN';

/**
 * Per type: the fields each role rule guards. `except` guards every field but those named, so a field
 * added to the type later is admin-only until someone decides otherwise.
 */
const ROLE_RULES: Record<string, { rule: RoleRule; fields: readonly string[] } | { rule: RoleRule; except: readonly string[] }> = {
  // An agent offered a lead sees its source's name; keys, rules, fees and who is next are for admins.
  LeadSource: { rule: 'ADMIN', except: ['id', 'name'] },
  Lead: { rule: 'ADMIN', fields: ['routing'] },
  // Why a colleague is halted (leave, sickness) is theirs and the admins' business.
  // So is how they are routed: hours, zone, weight, cap and areas.
  User: { rule: 'SELF_OR_ADMIN', fields: ['halt', 'timeZone', 'workingHours', 'routingWeight', 'dailyLeadCap', 'serviceAreas'] },
};

function checkRole(rule: RoleRule, root: unknown, ctx: GraphQLContext): void {
  if (rule === 'ADMIN') {
    requireAdmin(ctx);
    return;
  }
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN' && (root as { id?: unknown }).id !== viewer.id) throw forbidden('only the user themselves or an admin may see this');
}

/** What a guard returns to let the field's own resolver run. */
const SHOW = Symbol('show');

/**
 * Runs `guard` before the field's own resolver: it returns SHOW, or the value to answer instead, or
 * throws (failing the field, not the query).
 */
function wrap(field: GraphQLField<unknown, GraphQLContext>, guard: GraphQLFieldResolver<unknown, GraphQLContext>): void {
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (root, args, ctx, info) => {
    const hidden = guard(root, args, ctx, info);
    return hidden === SHOW ? resolve(root, args, ctx, info) : hidden;
  };
}

/** What a field shows when a lead's visibility hides it: [] for a list, null when nullable, else NOT_FOUND. */
function hiddenValue(type: GraphQLOutputType): () => null | [] {
  const inner = type instanceof GraphQLNonNull ? type.ofType : type;
  if (inner instanceof GraphQLList) return () => [];
  if (!(type instanceof GraphQLNonNull)) return () => null;
  return () => { throw notFound('lead'); };
}

function objectType(schema: GraphQLSchema, name: string) {
  const type = schema.getType(name);
  if (!isObjectType(type)) throw new Error(`field-access: ${name} is not an object type of the schema`);
  return type;
}

/**
 * Applies the rules to `schema`'s fields. Throws when a rule names a missing field, a role-guarded
 * field is non-null (its FORBIDDEN would null the object around it, up to `data: null`), or a Lead
 * field has no visibility.
 */
export function applyFieldAccess(schema: GraphQLSchema): void {
  const lead = objectType(schema, 'Lead');
  for (const field of Object.values(lead.getFields()) as GraphQLField<unknown, GraphQLContext>[]) {
    const least: LeadVisibility | undefined = LEAD_FIELD_VISIBILITY[field.name];
    if (least === undefined) throw new Error(`field-access: Lead.${field.name} has no visibility in domain/lead-visibility.ts`);
    if (least === 'RECEIPT') continue;
    const hidden = hiddenValue(field.type);
    // A Lead without a visibility (a resolver that forgot it) shows nothing: fail closed.
    wrap(field, (root) => {
      const access = (root as { access?: LeadVisibility }).access;
      return access !== undefined && leadFieldVisible(access, field.name) ? SHOW : hidden();
    });
  }
  // Role rules wrap outermost: an agent asking for a lead's routing is told FORBIDDEN, not given [].
  for (const [typeName, spec] of Object.entries(ROLE_RULES)) {
    const fields = objectType(schema, typeName).getFields() as Record<string, GraphQLField<unknown, GraphQLContext>>;
    const names = 'fields' in spec ? spec.fields : Object.keys(fields).filter((n) => !spec.except.includes(n));
    for (const name of 'fields' in spec ? spec.fields : spec.except) {
      if (!fields[name]) throw new Error(`field-access: ${typeName}.${name} is not a field of the schema`);
    }
    for (const name of names) {
      const field = fields[name];
      if (!field) continue;
      if (field.type instanceof GraphQLNonNull) {
        throw new Error(`field-access: ${typeName}.${name} is for ${spec.rule === 'ADMIN' ? 'admins' : 'the user themselves or an admin'} `
          + 'and must be nullable, so that refusing it fails that field alone');
      }
      wrap(field, (root, _args, ctx) => { checkRole(spec.rule, root, ctx); return SHOW; });
    }
  }
}

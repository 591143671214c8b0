// The field-access rules refuse to guard a non-null field: its FORBIDDEN would null the object
// around it (up to `data: null`) instead of failing that field alone.
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyFieldAccess } from '../../src/graphql/field-access.js';

const sdl = (publicKey: string) => `
  type Query { lead: Lead source: LeadSource me: User }
  type Lead { id: ID! routing: [String!] }
  type User { id: ID! halt: String timeZone: String workingHours: [String!] routingWeight: Int dailyLeadCap: Int serviceAreas: [String!] }
  type LeadSource { id: ID! name: String! publicKey: ${publicKey} }
`;

describe('applyFieldAccess', () => {
  it('refuses a schema where an admin-only field is non-null, naming the field', () => {
    expect(() => applyFieldAccess(buildSchema(sdl('String!')))).toThrow(/LeadSource\.publicKey is for admins and must be nullable/);
  });

  it('accepts the same schema with that field nullable', () => {
    expect(() => applyFieldAccess(buildSchema(sdl('String')))).not.toThrow();
  });
});

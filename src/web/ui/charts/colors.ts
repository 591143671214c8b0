// The charts' colours: literal values, because SVG presentation attributes take no CSS variables.
// Chosen to stay apart for the common colour-vision deficiencies and to hold 3:1 against white.
import type { LeadState } from '../../api/generated.js';

export const CHART = {
  primary: '#0969da',
  accepted: '#1a7f37',
  declined: '#6e7781',
  expired: '#bc4c00',
  taken: '#8250df',
  pending: '#0969da',
} as const;

export const STATE_COLOR: Record<LeadState, string> = {
  ROUTING: '#0969da',
  ASSIGNED: '#1a7f37',
  UNASSIGNED: '#bc4c00',
};

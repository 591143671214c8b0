// A lead's state as a coloured label (the colour repeats the word, it never replaces it).
import type { LeadState } from '../api/generated.js';
import { STATE_TEXT } from './format.js';

export function StateBadge({ state }: { state: LeadState }) {
  return <span className={`badge state-${state.toLowerCase()}`}>{STATE_TEXT[state]}</span>;
}

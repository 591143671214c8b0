// How times and names read on screen.
import type { LeadState } from '../api/generated.js';

export function fullName(lead: { firstName: string; lastName?: string | null }): string {
  return lead.lastName ? `${lead.firstName} ${lead.lastName}` : lead.firstName;
}

/** A time the way this browser's locale writes it, date included when it is not today. */
export function when(iso: string, now: number): string {
  const at = new Date(iso);
  const sameDay = new Date(now).toDateString() === at.toDateString();
  return sameDay
    ? at.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })
    : at.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export const STATE_TEXT: Record<LeadState, string> = {
  ROUTING: 'Routing',
  ASSIGNED: 'Assigned',
  UNASSIGNED: 'Unassigned',
};

/** Seconds as "42 s", "3 min 20 s", "1 h 5 min". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

// What one attack found, how it is printed as it happens (one line each), and the closing summary
// table in markdown (for the README's Security section).
import type { Health } from './target.js';

/** /healthz slower than this while an attack ran counts as a stall (issue 12 saw 6 s to 160 s). */
export const STALL_BUDGET_MS = 1000;

export interface AttackResult {
  /** The point of issue 12 it re-runs ("1" to "8"). */
  point: string;
  /** A short name for the table. */
  name: string;
  /** What was sent, briefly. */
  sent: string;
  /** What came back: status, code, time. */
  got: string;
  /** What the fix promises, i.e. what PASS means here. */
  expected: string;
  /** Whether what came back is what the fix promises (the server's health is judged apart). */
  held: boolean;
  /** /healthz during and after; null where the attack is not about the server staying up. */
  health: Health | null;
}

const ms = (n: number) => `${Math.round(n)} ms`;

export function healthText(h: Health | null): string {
  if (!h) return '-';
  const during = h.during.probes === 0 ? 'no probe' : `max ${ms(h.during.maxMs)} over ${h.during.probes} probe${h.during.probes === 1 ? '' : 's'}${h.during.failed ? `, ${h.during.failed} failed` : ''}`;
  const after = h.after.ok ? `200 in ${ms(h.after.ms)}` : `DOWN (${ms(h.after.ms)})`;
  return `during: ${during}; after: ${after}${h.crashed ? '; PROCESS EXITED (restarted)' : ''}`;
}

/** The server stayed up and answered /healthz within the stall budget throughout. */
export function healthHeld(h: Health | null): boolean {
  if (!h) return true;
  return !h.crashed && h.after.ok && h.during.failed === 0 && h.during.maxMs <= STALL_BUDGET_MS;
}

export const passed = (r: AttackResult): boolean => r.held && healthHeld(r.health);

export function printLine(r: AttackResult): void {
  const verdict = passed(r) ? 'PASS' : 'FAIL';
  console.log(`${verdict} [${r.point}] ${r.name}\n     sent: ${r.sent}\n     got:  ${r.got}\n     expected: ${r.expected}\n     healthz: ${healthText(r.health)}`);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(results: readonly AttackResult[]): string {
  const rows = results.map((r) => `| ${r.point} | ${cell(r.name)} | ${cell(r.got)} | ${cell(healthText(r.health))} | ${passed(r) ? 'PASS' : '**FAIL**'} |`);
  return ['| # | attack | result | /healthz | verdict |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

// Weighted heads of the distribution list, with one credit per agent per source kept in the database.
// Credit is an agent's lag behind their exact share, in weight units: each new general lead every
// agent eligible to head it earns their weight, and the one who heads it pays back the total weight
// W. The head is picked earliest-deadline-first (proportionate fairness, as in Pfair scheduling):
// among agents whose next turn is due (credit + weight > 0), the one whose turn falls earliest,
// (W - credit) / weight. With the shares summing to 1 that keeps every agent within one lead of
// n*w/W after every n leads (a property test in test/domain/routing-rules.test.ts); the plain "most
// credit wins" rule (nginx's smooth weighted round robin) drifts past one at times. Pure: state in,
// state out; integers only, so every instance decides the same.

export interface WeightedAgent { readonly id: number; readonly weight: number }

/**
 * The next head among `eligible` (ascending ids) and the credits after the pick. Only eligible agents
 * earn, so an agent halted, out of hours or at their cap for a week comes back with the credit they
 * had when they left (clamped to one round's worth, within the total weight): no backlog of missed leads.
 */
export function pickWeightedHead(
  eligible: readonly WeightedAgent[],
  credits: ReadonlyMap<number, number>,
): { head: number; credits: Map<number, number> } | null {
  if (eligible.length === 0) return null;
  let total = 0;
  for (const a of eligible) total += a.weight;
  const held = (a: WeightedAgent): number => Math.max(-total, Math.min(total, credits.get(a.id) ?? 0));
  let best: WeightedAgent | null = null;
  let bestHeld = 0;
  // Fallback (credits from another set of agents may leave nobody due): the most credit after earning.
  let richest: WeightedAgent | null = null;
  let richestHeld = 0;
  for (const a of eligible) {
    const c = held(a);
    if (richest === null || c + a.weight > richestHeld + richest.weight) {
      richest = a;
      richestHeld = c;
    }
    if (c + a.weight <= 0) continue;
    // Earliest turn: (total - c) / weight, compared crosswise in integers; ties go to the lowest id.
    if (best === null || (total - c) * best.weight < (total - bestHeld) * a.weight) {
      best = a;
      bestHeld = c;
    }
  }
  const head = best ?? richest;
  if (!head) return null;
  const next = new Map(credits);
  for (const a of eligible) next.set(a.id, held(a) + a.weight - (a === head ? total : 0));
  return { head: head.id, credits: next };
}

/** The stored form: {"<agentId>": credit}. Unknown or broken entries are dropped (a fresh start). */
export function decodeCredits(text: string | null): Map<number, number> {
  const out = new Map<number, number>();
  if (!text) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [k, v] of Object.entries(parsed)) {
    const id = Number(k);
    if (Number.isInteger(id) && typeof v === 'number' && Number.isFinite(v)) out.set(id, v);
  }
  return out;
}

/** Credits of zero are left out: they are the default. */
export function encodeCredits(credits: ReadonlyMap<number, number>): string {
  const obj: Record<string, number> = {};
  for (const [id, c] of credits) if (c !== 0) obj[String(id)] = c;
  return JSON.stringify(obj);
}

// What both stores' webhook outboxes share: reading a stored webhook row, and choosing which due
// deliveries a claim takes (at most so many of any one webhook, so that one slow or failing receiver
// never fills every slot of the delivery worker).
import type { LeadEventType, WebhookRow } from './rows.js';

/** How many candidates a claim reads per delivery it may take: room to pass over a webhook at its bound. */
export const CANDIDATES_PER_CLAIM = 4;

/** The stored row as the port's: the event types parsed from their JSON array. */
export function webhookOf(row: Omit<WebhookRow, 'eventTypes'> & { eventTypes: string }): WebhookRow {
  return { ...row, eventTypes: JSON.parse(row.eventTypes) as LeadEventType[] };
}

/** The webhooks with no room left: `perWebhook` of theirs already in flight (the claim leaves them out). */
export function fullWebhooks(inFlight: ReadonlyMap<number, number>, perWebhook: number): number[] {
  return [...inFlight].filter(([, n]) => n >= perWebhook).map(([id]) => id);
}

/**
 * Of the candidates (oldest first), the ids of at most `limit` in all, and of each webhook no more than
 * `perWebhook` less what it has in flight already.
 */
export function pickClaims(candidates: readonly { id: number; webhookId: number }[], limit: number, perWebhook: number,
  inFlight: ReadonlyMap<number, number>): number[] {
  const taken = new Map(inFlight);
  const ids: number[] = [];
  for (const c of candidates) {
    if (ids.length >= limit) break;
    const n = taken.get(c.webhookId) ?? 0;
    if (n >= perWebhook) continue;
    taken.set(c.webhookId, n + 1);
    ids.push(c.id);
  }
  return ids;
}

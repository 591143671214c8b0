// Signed short links to an offer's accept/decline page (sent by SMS and email). A link is bound to
// one offer and one agent by an HMAC under a server secret, so it cannot be forged or re-pointed;
// it stops doing anything once the offer is over because the offer itself is closed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OrgStore } from '../store/port.js';

const MAC_BYTES = 16; // 128 bits: unguessable, short enough for an SMS.

/**
 * Where an offer's link goes in an outbox row's body. The outbox stores no signed link: a message is
 * composed before its offer has an id (on PostgreSQL a first round's messages are written by the
 * round's own statement, which gives the offer its id), and the row's offer and user name the link,
 * so it is filled in when the message is sent or read (fillActionLinks). A database reader then finds
 * no working links either. The slot's control characters never come out of lead-text.ts, which turns
 * every control character of what a lead wrote into a space, so a lead cannot write a slot of its own.
 */
export const ACTION_LINK_SLOT = '\u001aoffer-link\u001a';

/** `body` with every ACTION_LINK_SLOT made the link of the row's offer for its user. */
export function fillActionLinks(links: ActionLinks, row: { body: string; offerId: number | null; userId: number | null }): string {
  if (row.offerId === null || row.userId === null || !row.body.includes(ACTION_LINK_SLOT)) return row.body;
  return row.body.split(ACTION_LINK_SLOT).join(links.url(row.offerId, row.userId));
}

export interface ActionLinks {
  /** The path-safe code for an offer: `<offer36>.<agent36>.<mac>`. */
  code(offerId: number, agentId: number): string;
  /** The full link on PUBLIC_URL. */
  url(offerId: number, agentId: number): string;
  /** The offer and agent a code names, or null when it was not made by this server. */
  verify(code: string): { offerId: number; agentId: number } | null;
}

/**
 * The configured secret (ACTION_LINK_SECRET) when there is one; otherwise one generated once and
 * kept in the settings row, so links survive restarts. Of servers starting together on a fresh
 * database, the first to store one wins and every other one uses it.
 */
export async function loadActionLinkSecret(org: OrgStore, configured: string | null): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const current = (await org.getSettings()).actionLinkSecret;
  if (current) return Buffer.from(current, 'base64');
  return Buffer.from(await org.keepActionLinkSecret(randomBytes(32).toString('base64')), 'base64');
}

export function createActionLinks(secret: Buffer, publicUrl: string): ActionLinks {
  const mac = (offerId: number, agentId: number): Buffer =>
    createHmac('sha256', secret).update(`offer:${offerId}:agent:${agentId}`).digest().subarray(0, MAC_BYTES);
  const code = (offerId: number, agentId: number) =>
    `${offerId.toString(36)}.${agentId.toString(36)}.${mac(offerId, agentId).toString('base64url')}`;
  return {
    code,
    url: (offerId, agentId) => `${publicUrl}/o/${code(offerId, agentId)}`,
    verify(raw) {
      const m = /^([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(raw);
      if (!m?.[1] || !m[2] || !m[3]) return null;
      const offerId = parseInt(m[1], 36);
      const agentId = parseInt(m[2], 36);
      const given = Buffer.from(m[3], 'base64url');
      const expected = mac(offerId, agentId);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { offerId, agentId };
    },
  };
}

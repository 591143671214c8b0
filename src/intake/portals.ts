// The lead portals brokers forward leads from, recognised by their senders' domains and their
// subjects. A lead from one arrives on a built-in source named for it (lead-intake.ts), so the
// dashboard counts leads per portal. To recognise another portal, add an entry here and a fixture of
// its email to test/intake/fixtures (see the README's "Lead portals").
import { asciiLower } from './chars.js';

export interface Portal {
  /** The built-in source's name. */
  source: string;
  /** Sender domains (and their subdomains) of its notifications. */
  domains: readonly string[];
  /**
   * Domains of its reply relays: an address there reaches the person through the portal. Kept as the
   * lead's email only when the email gives no direct address.
   */
  relayDomains: readonly string[];
  /** Lower-case phrases its subjects carry (a forwarded email's sender is the agent, not the portal). */
  subjectHints: readonly string[];
}

export const PORTALS: readonly Portal[] = [
  { source: 'Zillow', domains: ['zillow.com'], relayDomains: ['convo.zillow.com'], subjectHints: ['zillow'] },
  { source: 'Trulia', domains: ['trulia.com'], relayDomains: ['convo.trulia.com'], subjectHints: ['trulia'] },
  { source: 'realtor.com', domains: ['realtor.com', 'move.com'], relayDomains: [], subjectHints: ['realtor.com'] },
  { source: 'Homes.com', domains: ['homes.com'], relayDomains: [], subjectHints: ['homes.com'] },
  { source: 'StreetEasy', domains: ['streeteasy.com'], relayDomains: [], subjectHints: ['streeteasy'] },
  { source: 'Redfin', domains: ['redfin.com'], relayDomains: [], subjectHints: ['redfin'] },
  {
    source: 'Facebook lead ads', domains: ['facebookmail.com', 'facebook.com'], relayDomains: [],
    subjectHints: ['facebook lead', 'lead ads lead', 'new lead from facebook'],
  },
];

/** The address's domain, lower-case ("" when it has no "@"). */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : asciiLower(address.slice(at + 1));
}

function inDomain(domain: string, of: string): boolean {
  return domain === of || domain.endsWith(`.${of}`);
}

/** The portal whose domains the address is in, if any. */
export function portalOfAddress(address: string): Portal | null {
  const domain = domainOf(address);
  if (!domain) return null;
  return PORTALS.find((p) => p.domains.some((d) => inDomain(domain, d))) ?? null;
}

/** An address that relays to the person through a portal (`…@convo.zillow.com`). */
export function isRelayAddress(address: string): boolean {
  const domain = domainOf(address);
  return domain !== '' && PORTALS.some((p) => p.relayDomains.some((d) => inDomain(domain, d)));
}

/**
 * Local parts of addresses that send notifications and read no replies. Not "info@" or "support@": a
 * small business's owner may write in from one of those, and that person is a lead.
 */
const NO_REPLY = new Set(['noreply', 'donotreply', 'notifications', 'notification', 'alerts', 'mailerdaemon',
  'postmaster', 'leads', 'listings', 'bounce', 'bounces']);

/**
 * An address that is never the lead: a no-reply or notification mailbox anywhere, or a portal's own
 * address (its relays excepted: they reach the person).
 */
export function isNeverTheLead(address: string): boolean {
  if (isRelayAddress(address)) return false;
  if (portalOfAddress(address)) return true;
  const at = address.indexOf('@');
  const local = asciiLower(at < 0 ? address : address.slice(0, at)).replace(/[^a-z]/g, '');
  return NO_REPLY.has(local) || local.startsWith('noreply') || local.startsWith('donotreply');
}

/** How long a subject is read for portal hints: subjects are short, and this bounds the work. */
const MAX_SUBJECT = 1000;

/** The portal that sent the email: by a sender's (or a forwarded sender's) domain, then by the subject. */
export function identifyPortal(subject: string | null, senderAddresses: readonly string[]): Portal | null {
  for (const address of senderAddresses) {
    const portal = portalOfAddress(address);
    if (portal) return portal;
  }
  const lower = asciiLower((subject ?? '').slice(0, MAX_SUBJECT));
  return PORTALS.find((p) => p.subjectHints.some((h) => lower.includes(h))) ?? null;
}

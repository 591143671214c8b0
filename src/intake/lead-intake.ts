// Leads that come in outside GraphQL: forwarded emails (a raw RFC 822 message for one agent's
// forwarding address) and brokerage web forms. Both end in routing.submitLead, so the same rules,
// validation, events and notifications apply as for the submitLead mutation.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import type { Logger } from 'pino';
import type { Config } from '../server/config.js';
import type { RoutingService } from '../services/routing-service.js';
import type { Store } from '../store/port.js';
import type { UserRow } from '../store/rows.js';
import { addressTokens } from './contact-scan.js';
import { readLead } from './lead-email-parser.js';

/** The built-in source of forwarded leads: direct to the forwarding agent, and theirs at once. */
export const FORWARDED_EMAIL_SOURCE = 'Forwarded email';

export enum IntakeErrorCode {
  /** No recipient is a known user's forwarding address. */
  UNKNOWN_RECIPIENT = 'UNKNOWN_RECIPIENT',
  /** Not a MIME message, or it names no lead. */
  UNPARSEABLE = 'UNPARSEABLE',
}

export class IntakeError extends Error {
  constructor(readonly code: IntakeErrorCode, message: string) {
    super(message);
    this.name = 'IntakeError';
  }
}

export interface ForwardedEmailResult {
  leadId: number;
  userId: number;
  /** False when this Message-ID had already made a lead: nothing new was created. */
  created: boolean;
}

/** The headers that may carry the forwarding address (an envelope recipient may be in neither To nor Cc). */
const RECIPIENT_HEADERS = new Set(['to', 'cc', 'delivered-to', 'x-original-to', 'envelope-to', 'x-forwarded-to']);

/**
 * How many distinct forwarding-address-shaped recipients are looked up (one query each). A lead
 * email names one or two; a header listing thousands is an attack on the database, not a lead.
 */
const MAX_RECIPIENT_LOOKUPS = 50;

/** Longer than any address can be (RFC 5321: 254): not compared with the forwarding address pattern. */
const MAX_ADDRESS_LENGTH = 254;

/**
 * What mailparser is asked to do with a message anyone can send. `maxHeadSize` and `maxChildNodes`
 * go to its MIME splitter (mailsplit), which refuses a message past them: a lead email's headers
 * fit in a few KB (64 KB leaves room for long Received chains), and it has a handful of parts.
 * mailparser's address parser spends up to ~0.5 ms per KB of a To or Cc header (measured here), so
 * the header bound is also a time bound. Its HTML-to-text conversion (html-to-text) is skipped: the
 * lead parser reads the HTML itself in linear time, where html-to-text took 0.3 to 0.4 s for 400 KB
 * of table rows.
 */
const MIME_OPTIONS: SimpleParserOptions & { maxHeadSize: number; maxChildNodes: number } = {
  skipImageLinks: true,
  skipTextToHtml: true,
  skipHtmlToText: true,
  skipTextLinks: true,
  maxHeadSize: 64 * 1024,
  maxChildNodes: 100,
};

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The lead's external id: what identifies the message, for this agent. The recipient is part of
 * it: the same message forwarded by two agents is two leads, one for each.
 */
function forwardedEmailKey(userId: number, messageKey: string): string {
  const key = `user:${userId}:${messageKey}`;
  // Within the 200 characters an external id may have, without two long Message-IDs colliding on a prefix.
  return key.length <= 200 ? key : `user:${userId}:sha256:${sha256(messageKey)}`;
}

/**
 * The sender's text without U+0000. A NUL in a mail is noise, never part of a name or a message, and
 * text holding one is refused (domain/validation.ts: PostgreSQL cannot store it): dropped here, so
 * that the lead is kept.
 */
const withoutNul = (text: string): string => text.replaceAll('\u0000', '');

function addressesOf(value: AddressObject | AddressObject[] | undefined): { name: string; address: string }[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: { name: string; address: string }[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.address) out.push({ name: withoutNul(a.name), address: withoutNul(a.address) });
      if (a.group) walk(a.group);
    }
  };
  for (const o of objects) walk(o.value);
  return out;
}

export function createLeadIntake(deps: { store: Store; routing: RoutingService; config: Config; logger: Logger }) {
  const { routing, config } = deps;
  const { identity, intakeSources: sources } = deps.store;
  const log = deps.logger.child({ component: 'intake' });
  const forwardingAddress = new RegExp(
    `^([a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?)\\.leads@${config.inboundEmailDomain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');

  /** The first recipient that is a user's forwarding address. */
  async function recipientUser(mail: ParsedMail): Promise<{ user: UserRow; address: string } | null> {
    const tried = new Set<string>();
    for (const line of mail.headerLines) {
      if (!RECIPIENT_HEADERS.has(line.key.toLowerCase())) continue;
      for (const address of addressTokens(line.line)) {
        if (address.length > MAX_ADDRESS_LENGTH) continue;
        const handle = forwardingAddress.exec(address)?.[1]?.toLowerCase();
        if (!handle || tried.has(handle)) continue;
        if (tried.size >= MAX_RECIPIENT_LOOKUPS) return null;
        tried.add(handle);
        const user = await identity.findUserByHandle(handle);
        if (user) return { user, address: address.toLowerCase() };
      }
    }
    return null;
  }

  return {
    /**
     * A forwarded lead email becomes a direct lead for the agent it was forwarded to, on the source
     * named for the portal that sent it (portals.ts), or the "Forwarded email" source. The same Message-ID twice to the same agent makes one lead; to
     * two agents, two. A contact field the parser found unusable is left out (and logged), the
     * rest of the lead kept.
     */
    async forwardedEmail(raw: Buffer): Promise<ForwardedEmailResult> {
      let mail: ParsedMail;
      try {
        mail = await simpleParser(raw, MIME_OPTIONS);
      } catch (err) {
        throw new IntakeError(IntakeErrorCode.UNPARSEABLE, `not a MIME message: ${(err as Error).message}`);
      }
      const recipient = await recipientUser(mail);
      if (!recipient) {
        throw new IntakeError(IntakeErrorCode.UNKNOWN_RECIPIENT,
          `no recipient is a forwarding address <handle>.leads@${config.inboundEmailDomain} of a user`);
      }
      const { lead, dropped, portal } = readLead({
        subject: mail.subject === undefined ? null : withoutNul(mail.subject),
        text: mail.text === undefined ? null : withoutNul(mail.text),
        html: typeof mail.html === 'string' ? withoutNul(mail.html) : null,
        senders: [...addressesOf(mail.replyTo), ...addressesOf(mail.from)],
        notTheLead: [recipient.user.email, recipient.address],
        phoneRegion: config.defaultPhoneRegion,
      });
      if (!lead) throw new IntakeError(IntakeErrorCode.UNPARSEABLE, 'the email names no lead (no name, email or phone found)');

      const userId = recipient.user.id;
      // A known portal's lead arrives on a source named for the portal (leadStats counts them apart),
      // made like "Forwarded email" on first use and tuned by admins like any source.
      const source = await sources.ensureSource(portal?.source ?? FORWARDED_EMAIL_SOURCE, { allowDirectToUser: true, directToUserAutoAccept: true });
      // The Message-ID; without one the message's own bytes identify it: a redelivery still makes one lead.
      const messageKey = withoutNul(mail.messageId ?? '').trim() || `sha256:${sha256(raw)}`;
      // Leads made before the key named the agent were keyed by the message alone (cut to 200
      // characters): a redelivery of one of those to the same agent is still that lead.
      // (Portal sources are newer than that.)
      const legacyLeadId = portal ? null : await sources.findLeadIdFor(source.id, messageKey.slice(0, 200), userId);
      if (legacyLeadId !== null) return { leadId: legacyLeadId, userId, created: false };

      const result = await routing.submitLead({
        sourceKey: source.publicKey, targetUserId: userId, externalId: forwardedEmailKey(userId, messageKey), ...lead,
      }, null);
      const leadId = result.lead.id;
      if (result.created) {
        // Which field and why, never its value: the log is no place for a lead's contact details.
        for (const { field, reason } of dropped) log.info({ leadId, userId, field, reason }, 'forwarded email: unusable field dropped');
      }
      log.info({ leadId, userId, created: result.created, source: source.name }, 'forwarded email lead');
      return { leadId, userId, created: result.created };
    },
  };
}

export type LeadIntake = ReturnType<typeof createLeadIntake>;

// Leads that come in outside GraphQL: forwarded emails (a raw RFC 822 message for one agent's
// forwarding address) and brokerage web forms. Both end in routing.submitLead, so the same rules,
// validation, events and notifications apply as for the submitLead mutation.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import type { Config } from '../server/config.js';
import type { RoutingService } from '../services/routing-service.js';
import type { Store } from '../store/port.js';
import type { UserRow } from '../store/rows.js';
import { extractLead } from './lead-email-parser.js';

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

function addressesOf(value: AddressObject | AddressObject[] | undefined): { name: string; address: string }[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: { name: string; address: string }[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.address) out.push({ name: a.name, address: a.address });
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
    for (const line of mail.headerLines) {
      if (!RECIPIENT_HEADERS.has(line.key.toLowerCase())) continue;
      for (const address of line.line.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g) ?? []) {
        const handle = forwardingAddress.exec(address)?.[1];
        const user = handle ? await identity.findUserByHandle(handle.toLowerCase()) : null;
        if (user) return { user, address: address.toLowerCase() };
      }
    }
    return null;
  }

  return {
    /**
     * A forwarded lead email becomes a direct lead for the agent it was forwarded to, on the
     * "Forwarded email" source. The same Message-ID twice makes one lead.
     */
    async forwardedEmail(raw: Buffer): Promise<ForwardedEmailResult> {
      let mail: ParsedMail;
      try {
        mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
      } catch (err) {
        throw new IntakeError(IntakeErrorCode.UNPARSEABLE, `not a MIME message: ${(err as Error).message}`);
      }
      const recipient = await recipientUser(mail);
      if (!recipient) {
        throw new IntakeError(IntakeErrorCode.UNKNOWN_RECIPIENT,
          `no recipient is a forwarding address <handle>.leads@${config.inboundEmailDomain} of a user`);
      }
      const lead = extractLead({
        subject: mail.subject ?? null,
        text: mail.text ?? null,
        html: typeof mail.html === 'string' ? mail.html : null,
        senders: [...addressesOf(mail.replyTo), ...addressesOf(mail.from)],
        notTheLead: [recipient.user.email, recipient.address],
      });
      if (!lead) throw new IntakeError(IntakeErrorCode.UNPARSEABLE, 'the email names no lead (no name, email or phone found)');

      const source = await sources.ensureSource(FORWARDED_EMAIL_SOURCE, { allowDirectToUser: true, directToUserAutoAccept: true });
      // Without a Message-ID the message's own bytes identify it: a redelivery still makes one lead.
      const externalId = mail.messageId?.trim().slice(0, 200)
        || `sha256:${createHash('sha256').update(raw).digest('hex')}`;
      const result = await routing.submitLead({
        sourceKey: source.publicKey, targetUserId: recipient.user.id, externalId, ...lead,
      }, null);
      log.info({ leadId: result.lead.id, userId: recipient.user.id, created: result.created }, 'forwarded email lead');
      return { leadId: result.lead.id, userId: recipient.user.id, created: result.created };
    },
  };
}

export type LeadIntake = ReturnType<typeof createLeadIntake>;

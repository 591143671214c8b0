// What each offer change says to the agent, by SMS and by email: pure functions over plain data (time
// is passed in). Before an agent has won a lead, no message names the lead's last name, email or
// phone: only the first name, the source, the lead's own message, the time left and the link. What
// the lead wrote is quoted, never free lines that could pass for the server's (lead-text.ts).
import type { OfferEventType } from '../events/routing-events.js';
import type { ChannelKind } from './channel.js';
import { oneLine, quotedInline, quotedMessage } from './lead-text.js';

export interface MessageInput {
  type: OfferEventType;
  offer: { direct: boolean; offeredAt: Date; expiresAt: Date };
  lead: { firstName: string; lastName: string | null; email: string | null; phone: string | null; message: string | null };
  sourceName: string;
  agent: { name: string; email: string; phone: string | null };
  /** The accept/decline page of this offer for this agent. */
  actionUrl: string;
  now: number;
  /** ACCEPTED because an admin made the offered agent the lead's owner, not because they accepted. */
  assignedByAdmin?: boolean;
}

export interface ComposedMessage {
  channel: ChannelKind;
  to: string;
  subject: string | null;
  body: string;
}

/** "45 s", "15 min", "2 h 5 min", "3 d 4 h": how long an agent has, rounded to what matters. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How much of a first name a subject or an SMS shows; a full name in the email body is not cut. */
const NAME_IN_SHORT = 60;
/** How much of a source's name a subject or an SMS shows. */
const SOURCE_IN_SHORT = 80;

const firstNameOf = (fullName: string): string => fullName.split(' ')[0] ?? fullName;

/**
 * An auto-accepted direct lead is recorded as an offer accepted the moment it was made: there was
 * no race, the lead simply "is yours".
 */
const wasAutoAccepted = (offer: MessageInput['offer']): boolean =>
  offer.direct && offer.expiresAt.getTime() === offer.offeredAt.getTime();

function contactLines(name: string, lead: MessageInput['lead']): string[] {
  return [
    `Name: ${name}`,
    `Email: ${lead.email ? oneLine(lead.email) : '(none given)'}`,
    `Phone: ${lead.phone ? oneLine(lead.phone) : '(none given)'}`,
  ];
}

/**
 * Every text is the server's lines with the lead's words in fixed places (lead-text.ts): names and
 * the source on one line after a label; the message quoted, and in an SMS after the link.
 */
export function composeMessages(m: MessageInput): ComposedMessage[] {
  const { lead, actionUrl } = m;
  const first = oneLine(lead.firstName);
  const firstShort = oneLine(lead.firstName, NAME_IN_SHORT);
  const source = oneLine(m.sourceName);
  const sourceShort = oneLine(m.sourceName, SOURCE_IN_SHORT);
  const fullName = oneLine([lead.firstName, lead.lastName].filter(Boolean).join(' '));
  const who = `${firstShort} (${sourceShort})`;
  const greeting = `Hi ${firstNameOf(oneLine(m.agent.name))},`;
  // The SMS quotes the message last, on its own line, after the server's link.
  const smsMessage = (max: number): string[] => (lead.message ? [`Message: ${quotedInline(lead.message, max)}`] : []);
  const emailMessage = lead.message ? quotedMessage(lead.message) : [];
  let sms: string[];
  let subject: string;
  let email: string[];

  switch (m.type) {
    case 'RECEIVED': {
      const left = formatDuration(m.offer.expiresAt.getTime() - m.now);
      sms = [`New lead from ${sourceShort}, ${left} to accept: ${actionUrl}`, `Lead: ${firstShort}`, ...smsMessage(100)];
      subject = `New lead: ${who}, ${left} to accept`;
      email = [
        greeting, '',
        m.offer.direct ? 'A lead from your own site or listing is waiting for you.' : 'A new lead is waiting for you.', '',
        `Name: ${first}`,
        `Source: ${source}`,
        ...emailMessage, '',
        m.offer.direct
          ? `You have ${left} to accept it before it goes to the brokerage's other agents.`
          : `You have ${left} to accept. The first agent to accept gets the lead.`,
        'The contact details are sent to you once you have accepted.', '',
        `Accept: ${actionUrl}?do=accept`,
        `Decline: ${actionUrl}?do=decline`,
      ];
      break;
    }
    case 'ACCEPTED': {
      const auto = wasAutoAccepted(m.offer);
      const assigned = m.assignedByAdmin === true;
      const contact = [lead.email, lead.phone].filter((v): v is string => Boolean(v)).map((v) => oneLine(v)).join(', ');
      const nameShort = oneLine(fullName, 2 * NAME_IN_SHORT);
      const yours = assigned ? 'The lead was assigned to you' : auto ? 'A new lead is yours' : 'The lead is yours';
      sms = [
        `${yours} (${sourceShort}): ${actionUrl}`,
        `Lead: ${nameShort}${contact ? `, ${contact}` : ''}`,
        ...smsMessage(80),
      ];
      subject = assigned ? `Lead assigned to you: ${nameShort} (${sourceShort})`
        : auto ? `New lead, yours: ${nameShort} (${sourceShort})` : `Lead accepted: ${nameShort} (${sourceShort})`;
      email = [
        greeting, '',
        assigned ? 'An admin assigned you the lead you were offered: it is yours. Contact details:'
          : auto ? `A lead from ${source} came in for you and is yours.` : 'You accepted the lead: it is yours. Contact details:', '',
        ...contactLines(fullName, lead),
        `Source: ${source}`,
        ...emailMessage, '',
        `Open the offer: ${actionUrl}`,
      ];
      break;
    }
    case 'DECLINED':
      sms = [`You declined the lead ${who}. It goes to the next agent.`];
      subject = `You declined: ${who}`;
      email = [greeting, '', `You declined the lead ${who}. It goes to the next agent; nothing more to do.`];
      break;
    case 'TAKEN':
      sms = [`The lead ${who} was taken by another agent.`];
      subject = `Taken by another agent: ${who}`;
      email = [greeting, '', `Another agent accepted the lead ${who} first. Nothing more to do; the next one may be yours.`];
      break;
    case 'EXPIRED':
      // Sent so that the agent learns where they got the offer that it has moved on, rather than
      // finding out only when they open the link.
      sms = [`Your offer of the lead ${who} expired; it has gone to ${m.offer.direct ? "the brokerage's agents" : 'the next agent'}.`];
      subject = `Offer expired: ${who}`;
      email = [greeting, '', `Your offer of the lead ${who} expired: the time to accept it ran out. It has gone to ${m.offer.direct ? "the brokerage's agents" : 'the next agent'}.`];
      break;
  }

  const out: ComposedMessage[] = [];
  if (m.agent.phone) out.push({ channel: 'sms', to: m.agent.phone, subject: null, body: sms.join('\n') });
  out.push({ channel: 'email', to: m.agent.email, subject, body: email.join('\n') });
  return out;
}

/**
 * An automatic halt (company setting haltAfterMissedOffers): the agent learns why they get no general
 * leads and that an admin resumes them. No lead is named: it concerns many.
 */
export function composeHaltMessages(agent: { name: string; email: string; phone: string | null }, reason: string): ComposedMessage[] {
  const why = oneLine(reason);
  const out: ComposedMessage[] = [];
  if (agent.phone) {
    out.push({ channel: 'sms', to: agent.phone, subject: null, body: `You are halted: ${why}. You get no general leads until an admin resumes you.` });
  }
  out.push({
    channel: 'email', to: agent.email, subject: `You are halted: ${why}`,
    body: [
      `Hi ${firstNameOf(oneLine(agent.name))},`, '',
      `You are halted from general leads: ${why} (they expired unanswered).`,
      'Leads from your own site or listings still reach you. An admin can resume you when you are ready for more.',
    ].join('\n'),
  });
  return out;
}

/**
 * A lead event that an agent is told of by SMS and email, apart from offers: RECLAIMED (the owner
 * missed the contact deadline: told why, with the lead's limited view only, as they no longer hold it)
 * and REPEAT (a returning client went straight to their owner: told as for an auto-accepted direct lead,
 * with the contact details).
 */
export interface LeadEventMessageInput {
  type: 'RECLAIMED' | 'REPEAT';
  lead: MessageInput['lead'];
  sourceName: string;
  agent: MessageInput['agent'];
  /** RECLAIMED: the source's contact deadline in seconds (null if it was removed since). */
  deadlineSeconds?: number | null;
  /** REPEAT: where the agent opens the lead (the web app). */
  appUrl: string;
}

export function composeLeadEventMessages(m: LeadEventMessageInput): ComposedMessage[] {
  const { lead } = m;
  const firstShort = oneLine(lead.firstName, NAME_IN_SHORT);
  const source = oneLine(m.sourceName);
  const sourceShort = oneLine(m.sourceName, SOURCE_IN_SHORT);
  const who = `${firstShort} (${sourceShort})`;
  const greeting = `Hi ${firstNameOf(oneLine(m.agent.name))},`;
  let sms: string[];
  let subject: string;
  let email: string[];
  if (m.type === 'RECLAIMED') {
    const within = m.deadlineSeconds == null ? 'in time' : `within ${formatDuration(m.deadlineSeconds * 1000)} of accepting it`;
    sms = [`The lead ${who} was taken back: no contact or status was logged ${within}. It has gone to the next agent.`];
    subject = `Lead taken back: ${who}`;
    email = [
      greeting, '',
      `The lead ${who} was taken back from you: no contact with the client and no status change was logged ${within}.`,
      'It has gone to the next agent, and you no longer see its contact details.', '',
      'Log each call, text or email with a client (in the app, or the logContact mutation) to keep the leads you win.',
    ];
  } else {
    const fullName = oneLine([lead.firstName, lead.lastName].filter(Boolean).join(' '));
    const nameShort = oneLine(fullName, 2 * NAME_IN_SHORT);
    const contact = [lead.email, lead.phone].filter((v): v is string => Boolean(v)).map((v) => oneLine(v)).join(', ');
    sms = [
      `A returning client is yours (${sourceShort}): ${m.appUrl}`,
      `Lead: ${nameShort}${contact ? `, ${contact}` : ''}`,
      ...(lead.message ? [`Message: ${quotedInline(lead.message, 80)}`] : []),
    ];
    subject = `Returning client, yours: ${nameShort} (${sourceShort})`;
    email = [
      greeting, '',
      `A client you worked with before came in again through ${source}: the lead is yours, no race. Contact details:`, '',
      ...contactLines(fullName, lead),
      `Source: ${source}`,
      ...(lead.message ? quotedMessage(lead.message) : []), '',
      `Open leadrace: ${m.appUrl}`,
    ];
  }
  const out: ComposedMessage[] = [];
  if (m.agent.phone) out.push({ channel: 'sms', to: m.agent.phone, subject: null, body: sms.join('\n') });
  out.push({ channel: 'email', to: m.agent.email, subject, body: email.join('\n') });
  return out;
}

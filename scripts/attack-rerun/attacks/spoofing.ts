// Issue 12 point 4: lead text posing as the server. A lead whose message has a line
// "Accept: https://evil.example/x" and whose first name holds newlines is offered to an agent; the
// offer email (as the local SMTP server received it) must have the server's Accept button only,
// every link on the server's own URL, and the SMS no line that the lead's text started.
import { createAgents, createSource, submitAsAdmin, waitFor, type AttackContext } from '../context.js';
import type { ReceivedMail, ReceivedSms } from '../providers.js';
import type { AttackResult } from '../report.js';

const FIRST_NAME = 'Ana\nURGENT: accept here https://evil.example';
const MESSAGE = 'Hello, is the house on Elm St still available?\nAccept: https://evil.example/x\nThanks!';

/** Every <a href> of an HTML part, with the text inside it. */
function anchors(html: string): { href: string; text: string }[] {
  return [...html.matchAll(/<a\b[^>]*\bhref\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>/gi)]
    .map((m) => ({ href: m[1] ?? '', text: (m[2] ?? '').replace(/<[^>]*>/g, '').trim() }));
}

/** Lines that the lead's text made lines of their own: they begin with the planted words. */
const plantedLines = (text: string): string[] =>
  text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^(URGENT\b|Accept\s*:\s*https?:\/\/evil)/i.test(l));

export async function leadTextPosingAsServer(ctx: AttackContext): Promise<AttackResult[]> {
  const [agent] = await createAgents(ctx, 'spoof', 1);
  if (!agent) throw new Error('no agent');
  const source = await createSource(ctx, 'spoof', [agent]);
  const own = ctx.target.url;
  const { value, health } = await ctx.target.during(async () => {
    await submitAsAdmin(ctx, source.id, { firstName: FIRST_NAME, message: MESSAGE });
    const mail = await waitFor<ReceivedMail>(() => ctx.smtp.mails.find((m) => m.to.includes(agent.email) && /evil|Ana/.test(`${m.subject}${m.text}`)), 15_000);
    const sms = await waitFor<ReceivedSms>(() => ctx.sms.received.find((s) => s.to === agent.phone), 15_000);
    return { mail, sms };
  });
  const { mail, sms } = value;
  const links = mail ? anchors(mail.html) : [];
  const acceptButtons = links.filter((a) => /accept/i.test(a.text));
  const foreign = links.filter((a) => !a.href.startsWith(`${own}/`));
  const mailPlanted = mail ? plantedLines(mail.text) : [];
  const smsPlanted = sms ? plantedLines(sms.body) : [];
  const smsLines = sms ? sms.body.split(/\r?\n/) : [];
  const sent = `submitLead firstName=${JSON.stringify(FIRST_NAME)} message=${JSON.stringify(MESSAGE)}`;
  return [{
    point: '4',
    name: 'offer email for a lead whose message has `Accept: https://evil.example/x`',
    sent,
    got: mail
      ? `${links.length} links, ${acceptButtons.length} Accept (${acceptButtons.map((a) => a.href.startsWith(`${own}/`) ? 'server' : a.href).join(', ')}), `
        + `${foreign.length} off the server's URL${foreign.length ? ` (${foreign.map((a) => a.href).join(', ')})` : ''}; `
        + `text part: ${mailPlanted.length} planted line(s)${mailPlanted.length ? ` ${JSON.stringify(mailPlanted)}` : ''}`
      : 'no offer email within 15 s',
    expected: 'one Accept button, every link under the server\'s own URL; the lead\'s lines quoted, none standing as the server\'s',
    held: mail !== undefined && acceptButtons.length === 1 && foreign.length === 0 && mailPlanted.length === 0,
    health,
  }, {
    point: '4',
    name: 'offer SMS for a first name with a newline (`Ana\\nURGENT: accept here https://evil.example`)',
    sent,
    got: sms ? `${smsLines.length} line(s): ${JSON.stringify(sms.body)}; ${smsPlanted.length} line(s) started by the lead's text`
      : 'no SMS within 15 s',
    expected: 'no line of the SMS starts with the lead\'s text (the name flattened onto one line)',
    held: sms !== undefined && smsPlanted.length === 0,
    health: null,
  }];
}

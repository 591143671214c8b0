// Issue 12 point 7: a slow SMS provider must not hold up the email channel. The local SMS receiver
// answers each text after 10 s; 30 leads are submitted back to back, and the offer emails that
// reach the local SMTP server within 6 s of the first submission are counted (1 of 30 before the fix).
import { createAgents, createSource, submitAsAdmin, type AttackContext } from '../context.js';
import type { AttackResult } from '../report.js';

const LEADS = 30;
const SMS_DELAY_MS = 10_000;
const WITHIN_MS = 6000;

export async function slowSmsProvider(ctx: AttackContext): Promise<AttackResult> {
  const agents = await createAgents(ctx, 'slowsms', 3);
  const source = await createSource(ctx, 'slowsms', agents, { race: 1 });
  const names = Array.from({ length: LEADS }, (_, i) => `Slow${String(i + 1).padStart(2, '0')}x`);
  const isOfferEmail = (subject: string) => names.some((n) => subject.includes(n));
  ctx.sms.delayMs = SMS_DELAY_MS;
  try {
    const { value, health } = await ctx.target.during(async () => {
      const started = performance.now();
      for (const firstName of names) await submitAsAdmin(ctx, source.id, { firstName, message: 'slow provider run' });
      const submittedMs = performance.now() - started;
      await new Promise((r) => setTimeout(r, Math.max(0, WITHIN_MS - (performance.now() - started))));
      const offerEmails = ctx.smtp.mails.filter((m) => isOfferEmail(m.subject) && m.at - started <= WITHIN_MS);
      const lastEmailMs = Math.max(0, ...offerEmails.map((m) => m.at - started));
      const texts = ctx.sms.received.filter((s) => names.some((n) => s.body.includes(n)) && s.at - started <= WITHIN_MS).length;
      return { submittedMs, emails: offerEmails.length, lastEmailMs, texts };
    });
    return {
      point: '7',
      name: `SMS provider answering in ${SMS_DELAY_MS / 1000} s, ${LEADS} leads`,
      sent: `${LEADS} leads submitted back to back (in ${Math.round(value.submittedMs)} ms) to 3 agents, each text answered after ${SMS_DELAY_MS / 1000} s`,
      got: `${value.emails}/${LEADS} offer emails at the SMTP server within ${WITHIN_MS / 1000} s (the last ${Math.round(value.lastEmailMs)} ms after the first `
        + `submission); ${value.texts}/${LEADS} texts had reached the SMS provider`,
      expected: `all ${LEADS} offer emails within ${WITHIN_MS / 1000} s (the slow texts wait on their own)`,
      held: value.emails === LEADS,
      health,
    };
  } finally {
    ctx.sms.delayMs = 0;
  }
}

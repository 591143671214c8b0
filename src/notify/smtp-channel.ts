// Email over SMTP (nodemailer), configured by SMTP_URL and SMTP_FROM. One pooled transport per server.
import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../server/config.js';
import type { Channel } from './channel.js';
import { renderEmailHtml } from './email-html.js';

export interface SmtpChannel extends Channel {
  close(): void;
}

/** `publicUrl` is PUBLIC_URL: the email's buttons may only point at this server's offer links. */
export function createSmtpChannel(config: SmtpConfig, publicUrl: string): SmtpChannel {
  // Short timeouts: a hung mail server must fail the attempt (and be retried), not hold it forever.
  const transport = nodemailer.createTransport({
    url: config.url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    name: 'smtp',
    async send(message) {
      try {
        await transport.sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject ?? 'leadrace',
          text: message.body,
          html: renderEmailHtml(message.subject, message.body, publicUrl),
        });
      } catch (err) {
        // nodemailer's errors can quote the URL it was given; keep only what says why.
        const e = err as { code?: string; responseCode?: number; message?: string };
        throw new Error(`smtp: ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${(e.message ?? '').replace(/\/\/[^@\s]*@/g, '//***@').slice(0, 300)}`);
      }
    },
    close: () => transport.close(),
  };
}

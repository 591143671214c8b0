// Email over SMTP (nodemailer), configured by SMTP_URL and SMTP_FROM. One pooled transport per server:
// its connections are kept open and reused for message after message, so a burst of offers does not
// pay a TCP (and TLS) handshake and an SMTP greeting per email.
import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../server/config.js';
import type { Channel } from './channel.js';
import { renderEmailHtml } from './email-html.js';

/**
 * SMTP connections open at once, and so emails in flight (one message at a time per connection):
 * enough for a burst of offers, few enough for a relay's per-client connection limit (often 20+).
 */
export const SMTP_MAX_CONNECTIONS = 16;
/** Messages sent over one connection before it is replaced (nodemailer's default): bounds its life. */
const SMTP_MAX_MESSAGES_PER_CONNECTION = 100;

export interface SmtpChannel extends Channel {
  close(): void;
}

/** `publicUrl` is PUBLIC_URL: the email's buttons may only point at this server's offer links. */
export function createSmtpChannel(config: SmtpConfig, publicUrl: string): SmtpChannel {
  // Short timeouts: a hung mail server must fail the attempt (and be retried), not hold it forever.
  const transport = nodemailer.createTransport({
    url: config.url,
    pool: true,
    maxConnections: SMTP_MAX_CONNECTIONS,
    maxMessages: SMTP_MAX_MESSAGES_PER_CONNECTION,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    name: 'smtp',
    // One email per pooled connection: more would only wait in nodemailer's queue, where the
    // worker's send timeout would count the wait as the provider's.
    maxInFlight: SMTP_MAX_CONNECTIONS,
    async send(message, signal) {
      try {
        await transport.sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject ?? 'leadrace',
          text: message.body,
          html: renderEmailHtml(message.subject, message.body, publicUrl),
          // An abort (send timeout, shutdown) fails this message and closes only its connection.
          signal,
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

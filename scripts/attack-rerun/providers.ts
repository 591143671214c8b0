// The two message providers the attacked server talks to, run by the script itself on 127.0.0.1:
// an SMTP server (smtp-server) and a Twilio-compatible SMS API (node:http) whose answer delay the
// script sets per attack (a slow provider is just a delay here: the script measures real time).
// Both record what they receive and when, so an attack can read back what an agent was sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedSms {
  to: string;
  body: string;
  /** performance.now() when the request arrived (before any delay). */
  at: number;
}

export interface SmsReceiver {
  /** The base URL to give the server as SMS_API_URL. */
  url: string;
  received: ReceivedSms[];
  /** How long the receiver waits before answering 201; change it between attacks. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startSmsReceiver(): Promise<SmsReceiver> {
  const received: ReceivedSms[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const receiver: SmsReceiver = {
    url: '',
    received,
    delayMs: 0,
    close: () => {
      for (const t of pending) clearTimeout(t);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      received.push({ to: form.get('To') ?? '', body: form.get('Body') ?? '', at });
      const answer = () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM-attack"}');
      if (receiver.delayMs <= 0) { answer(); return; }
      const t = setTimeout(() => { pending.delete(t); answer(); }, receiver.delayMs);
      pending.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  /** The HTML part, or '' when the message has none. */
  html: string;
  /** performance.now() when the message was fully received. */
  at: number;
}

export interface SmtpReceiver {
  /** The URL to give the server as SMTP_URL. */
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Far above any client pool: the attack measures the sender, not a refusal here.
    maxClients: 1000,
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          at: performance.now(),
        });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    mails,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

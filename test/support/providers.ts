// Local stand-ins for the message providers, run by a test: a Twilio-compatible SMS API on node:http
// and an SMTP server (smtp-server). Both record what they receive; the SMS API can hold its answer
// to chosen requests until the test releases it, so a "slow provider" needs no sleep.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmsRequest { to: string; from: string; body: string }

export interface SmsProvider {
  /** The base URL to give as SMS_API_URL. */
  url: string;
  /** Every request received, answered or not, in order of arrival. */
  received: SmsRequest[];
  /** Requests whose answer is held, in order of arrival. */
  held: SmsRequest[];
  /** Which requests to hold (default: none). */
  holdIf: (req: SmsRequest) => boolean;
  /** Answers the held requests that match (all by default) with 201. */
  release(which?: (req: SmsRequest) => boolean): void;
  close(): Promise<void>;
}

export async function startSmsProvider(): Promise<SmsProvider> {
  const received: SmsRequest[] = [];
  const held: { req: SmsRequest; res: ServerResponse }[] = [];
  const ok = (res: ServerResponse) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1"}');
  const provider: SmsProvider = {
    url: '',
    received,
    get held() { return held.map((h) => h.req); },
    holdIf: () => false,
    release(which = () => true) {
      for (let i = held.length - 1; i >= 0; i--) {
        const h = held[i];
        if (h && which(h.req)) {
          held.splice(i, 1);
          ok(h.res);
        }
      }
    },
    async close() {
      provider.release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const sms = { to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '' };
      received.push(sms);
      if (provider.holdIf(sms)) held.push({ req: sms, res });
      else ok(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}

export interface SmtpProvider {
  /** The URL to give as SMTP_URL. */
  url: string;
  /** Every message received, parsed, in order of arrival. */
  mails: ParsedMail[];
  /** Connections opened to this server so far. */
  connections(): number;
  /** Messages received per connection (session id), for connection reuse. */
  messagesPerConnection(): number[];
  close(): Promise<void>;
}

export async function startSmtpProvider(): Promise<SmtpProvider> {
  const mails: ParsedMail[] = [];
  const perConnection = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Far above the client's pool: the test sees how many the client opens, not a refusal.
    maxClients: 1000,
    onConnect(session, callback) {
      perConnection.set(session.id, 0);
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        perConnection.set(session.id, (perConnection.get(session.id) ?? 0) + 1);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    mails,
    connections: () => perConnection.size,
    messagesPerConnection: () => [...perConnection.values()],
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

// SMS over a Twilio-compatible HTTP API: POST form-encoded To/From/Body with basic auth to
// <SMS_API_URL>/2010-04-01/Accounts/<sid>/Messages.json. Any 2xx is accepted; anything else fails the
// attempt, and the delivery worker retries it.
import type { SmsConfig } from '../server/config.js';
import type { Channel } from './channel.js';

/** A provider that does not answer within this long fails the attempt. */
const TIMEOUT_MS = 15_000;

export function createSmsChannel(config: SmsConfig): Channel {
  const endpoint = `${config.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(message) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: message.to, From: config.from, Body: message.body }).toString(),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        throw new Error(`sms: provider unreachable${cause ? ` (${cause})` : ''}: ${(err as Error).message}`);
      }
      if (!res.ok) {
        // The provider's own error text says why (bad number, suspended account); keep a little of it.
        const detail = (await res.text().catch(() => '')).slice(0, 200);
        throw new Error(`sms: provider answered ${res.status}${detail ? `: ${detail}` : ''}`);
      }
      await res.body?.cancel();
    },
  };
}

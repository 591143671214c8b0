// SMS over a Twilio-compatible HTTP API: POST form-encoded To/From/Body with basic auth to
// <SMS_API_URL>/2010-04-01/Accounts/<sid>/Messages.json. Any 2xx is accepted; anything else fails the
// attempt, and the delivery worker retries it. The worker's signal bounds how long it waits.
import type { SmsConfig } from '../server/config.js';
import type { Channel } from './channel.js';

/**
 * Requests in flight at once. A request waiting on a slow provider costs one socket, so this is set
 * for the slow case: at 100 texts/s against a provider answering in 2 s, 200 are in flight
 * (Little's law); 256 keeps them flowing. A provider that answers normally (~0.2 s) sees ~20.
 */
export const SMS_MAX_IN_FLIGHT = 256;

export function createSmsChannel(config: SmsConfig): Channel {
  const endpoint = `${config.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    maxInFlight: SMS_MAX_IN_FLIGHT,
    async send(message, signal) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: message.to, From: config.from, Body: message.body }).toString(),
          signal,
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

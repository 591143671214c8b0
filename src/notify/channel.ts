// The one interface every delivery channel implements (log, SMTP email, HTTP SMS). The delivery
// worker knows nothing else about a channel: swapping providers means another adapter, not new code.

/** What the notification rows call their channel; also the GraphQL `Notification.channel` value. */
export type ChannelKind = 'sms' | 'email';

export interface OutgoingMessage {
  /** A phone number (E.164) for SMS, an email address for email. */
  to: string;
  /** Email only. */
  subject: string | null;
  /** Plain text: the SMS, or the email's text part (its HTML part is rendered from it). */
  body: string;
}

export interface Channel {
  /** For logs: "log", "smtp", "twilio". */
  readonly name: string;
  /**
   * How many messages the delivery worker hands this channel at once: what the provider connection
   * (an SMTP pool's connections) or account can carry. Each channel has its own, so a slow provider
   * fills only its own.
   */
  readonly maxInFlight: number;
  /**
   * Hands the message to the provider. Resolves once the provider accepted it; rejects with an
   * error whose message is kept as the notification's lastError (so it must not contain secrets).
   * When `signal` aborts (the worker's send timeout, or shutdown), it stops waiting for the
   * provider and rejects.
   */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<void>;
}

/** The channel of each kind, chosen once from the configuration. */
export type Channels = Record<ChannelKind, Channel>;

// The server-side request forgery guard of webhooks: a URL is sent to only if it is http(s), carries
// no credentials, and every address its host resolves to is public (domain/network-address.ts),
// unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. Checked when a webhook is created and again before every
// attempt (DNS can change); the attempt then connects to the very address checked (webhook-post.ts),
// so a name that resolves differently between the check and the connection cannot slip past it.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { nonPublicReason } from '../domain/network-address.js';

/** The longest webhook URL taken. */
export const WEBHOOK_URL_MAX = 2000;

/** Why a URL is refused; the message is meant for the admin (BAD_USER_INPUT) and the delivery's lastError. */
export class UrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlRefused';
  }
}

/** Where an attempt connects: the URL, and the address its host was checked at. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** How a host name becomes addresses (dns.lookup with all: true); a parameter only so that tests may name hosts. */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** The URL parsed, or UrlRefused: only http and https, no user name or password, a host. */
export function parseWebhookUrl(raw: string): URL {
  if (raw.length > WEBHOOK_URL_MAX) throw new UrlRefused(`must be at most ${WEBHOOK_URL_MAX} characters`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UrlRefused('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlRefused('must be an http or https URL');
  if (url.username || url.password) throw new UrlRefused('must not carry a user name or password');
  if (!url.hostname) throw new UrlRefused('has no host');
  return url;
}

/**
 * Resolves the URL's host and checks every address: UrlRefused if any is not public (unless
 * `allowPrivate`) or the host does not resolve. The first address is the one to connect to.
 */
export async function checkTarget(url: URL, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<CheckedTarget> {
  // URL keeps an IPv6 literal in brackets.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UrlRefused(`host ${host} does not resolve`);
    }
  }
  const first = addresses[0];
  if (!first) throw new UrlRefused(`host ${host} does not resolve`);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const reason = nonPublicReason(address);
      if (reason !== null) {
        throw new UrlRefused(`host ${host} resolves to ${address}, a ${reason} address: webhooks go to public addresses only `
          + '(WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows private ones)');
      }
    }
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

// Start-up configuration: read from the environment once, validated, with defaults. A wrong value
// stops the server with a ConfigError naming the variable and what is wrong with it.
import { fileURLToPath } from 'node:url';
import { DEFAULT_PHONE_REGION, phoneRegion, type PhoneRegion } from '../domain/phone.js';

/** Which database DATABASE_URL names. */
export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  /** PORT: TCP port for HTTP and WebSockets. Default 4000; 0 picks a free port. */
  port: number;
  /**
   * DATABASE_URL: a SQLite file path (or `file:` URL, or `:memory:`), default ./data/leadrace.db; or a
   * `postgres://` / `postgresql://` URL: PostgreSQL, which several instances can share.
   */
  database: DatabaseConfig;
  /** DATABASE_POOL_SIZE: PostgreSQL connections per instance (1..200). Default 10. Unused on SQLite. */
  databasePoolSize: number;
  /**
   * REDIS_URL: `redis://` or `rediss://`. Events then go through Redis pub/sub, so agents connected to
   * any instance hear offers made on every other. Needed to run more than one instance.
   */
  redisUrl: string | null;
  /**
   * SQLITE_SYNCHRONOUS: FULL (default): a lead is on disk before it is acknowledged, and survives a
   * power cut. NORMAL: no fsync per commit; survives a crash of the process, but a power cut may
   * lose the last commits (never corrupts the database). An operator's durability choice.
   */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** BOOTSTRAP_ADMIN_TOKEN: if set, an ADMIN exists after start whose API token is this value. */
  bootstrapAdminToken: string | null;
  /** PUBLIC_URL: base of links sent to agents. Default http://localhost:$PORT. */
  publicUrl: string;
  /** INBOUND_EMAIL_DOMAIN: domain of the per-user forwarding addresses. Default leads.localhost. */
  inboundEmailDomain: string;
  /**
   * DEFAULT_PHONE_REGION: the country (ISO 3166 alpha-2, any case) of phone numbers written without a
   * "+" country code. Default US. Every phone, users' and leads', is stored in E.164 form; a code
   * libphonenumber-js does not know stops the server.
   */
  defaultPhoneRegion: PhoneRegion;
  /** INBOUND_EMAIL_SECRET: shared secret for POST /inbound/email; unset disables the endpoint. */
  inboundEmailSecret: string | null;
  /**
   * ACTION_LINK_SECRET: HMAC key of the accept/decline links (at least 32 characters). Unset: one is
   * generated on first start and kept in the database. Changing it invalidates links already sent.
   */
  actionLinkSecret: string | null;
  /** LOG_LEVEL: pino level. Default info. */
  logLevel: string;
  /** CORS_ORIGINS: comma-separated origins allowed from a browser; `*` (the default) allows any. */
  corsOrigins: string[] | '*';
  /** INTAKE_RATE_PER_MINUTE: anonymous lead submissions per client address per minute (bursts up to it). Default 60. */
  intakeRatePerMinute: number;
  /**
   * LOGIN_RATE_PER_MINUTE: login attempts per minute per client address (whatever the accounts), so
   * also per account from any one address. Default 10.
   */
  loginRatePerMinute: number;
  /**
   * LOGIN_ACCOUNT_RATE_PER_MINUTE: login attempts per minute per account from all addresses together,
   * a ceiling against guessing one password from many addresses. Higher than the per-address rate,
   * so that strangers elsewhere do not lock the user out. At least LOGIN_RATE_PER_MINUTE; default
   * 10 times it (100).
   */
  loginAccountRatePerMinute: number;
  /**
   * TRUST_PROXY: behind exactly one reverse proxy, count requests against the address it appends to
   * X-Forwarded-For instead of the socket's peer. Default false: the header is ignored, since
   * clients can send any value in it.
   */
  trustProxy: boolean;
  /** WS_MAX_CONNECTIONS_PER_USER: open WebSockets per user; one more is closed with 4429. Default 20. */
  wsMaxConnectionsPerUser: number;
  /** WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: operations running at once on one WebSocket. Default 50. */
  wsMaxSubscriptionsPerConnection: number;
  /**
   * HTTP_HEADERS_TIMEOUT_MS: how long a client may take to send a request's headers, counted from
   * its first byte (on a new connection, from the connection). Past it the server answers 408 and
   * closes the connection, so headers sent a byte at a time cannot hold a socket. Default 20,000
   * (Node's own is 60 s), or HTTP_REQUEST_TIMEOUT_MS if that is shorter; never longer than it.
   */
  httpHeadersTimeoutMs: number;
  /**
   * HTTP_REQUEST_TIMEOUT_MS: how long a client may take to send a whole request, headers and body.
   * Past it: 408 and the connection is closed, however often bytes arrive (a slow-loris body).
   * It does not limit how long the server takes to answer. Default 30,000 (Node's own is 300 s):
   * a 1 MB GraphQL body needs 16 s over a 0.5 Mbit/s uplink.
   */
  httpRequestTimeoutMs: number;
  /**
   * HTTP_KEEP_ALIVE_TIMEOUT_MS: how long an idle keep-alive connection stays open after a response.
   * Default 65,000 (Node's own is 5 s): longer than the 60 s idle timeout of the usual proxies and
   * load balancers (AWS ALB, nginx's upstream keepalive_timeout), so that the proxy closes an idle
   * connection first, rather than this server closing one the proxy is sending a request on (a 502).
   */
  httpKeepAliveTimeoutMs: number;
  /**
   * MAX_CONNECTIONS_PER_ADDRESS: open TCP connections (HTTP and WebSocket alike) one peer address
   * may hold; one more is closed at once, before anything of it is read. Default 256: an office
   * behind one NAT where dozens of agents each hold a WebSocket, plus a dashboard's few HTTP
   * connections, stays well under it. Null (0): no cap. With TRUST_PROXY the peer of every
   * connection is the proxy, so the default there is no cap (cap per client at the proxy); a value
   * set explicitly still applies, to the proxy's address.
   */
  maxConnectionsPerAddress: number | null;
  /** PLAYGROUND: serve the GraphQL playground on GET /graphql. Default true, false in production. */
  playground: boolean;
  /** NODE_ENV=production hides internal error details from clients. */
  production: boolean;
  /** SMTP_URL, SMTP_FROM: the email channel. Null (SMTP_URL unset): emails go to the log channel. */
  smtp: SmtpConfig | null;
  /** SMS_*: a Twilio-compatible SMS API. Null (SMS_ACCOUNT_SID unset): texts go to the log channel. */
  sms: SmsConfig | null;
  /**
   * METRICS_TOKEN: the bearer token a Prometheus scraper sends to GET /metrics (at least 16
   * characters). Unset (the default): /metrics answers 404, so nothing about the instance is exposed.
   */
  metricsToken: string | null;
  /**
   * WEBHOOK_ALLOW_PRIVATE_NETWORKS: webhooks may point at loopback, private, link-local and other
   * non-public addresses. Default false: such a URL is refused when the webhook is created, and an
   * attempt whose host has come to resolve to one fails (server-side request forgery).
   */
  webhookAllowPrivateNetworks: boolean;
}

export interface SmtpConfig {
  /** SMTP_URL: smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (TLS from the start). */
  url: string;
  /** SMTP_FROM: the From address of every email. Default leadrace@<INBOUND_EMAIL_DOMAIN>. */
  from: string;
}

export interface SmsConfig {
  /** SMS_API_URL: the provider's base URL. Default https://api.twilio.com. */
  apiUrl: string;
  /** SMS_ACCOUNT_SID and SMS_AUTH_TOKEN: the basic-auth credentials of the account. */
  accountSid: string;
  authToken: string;
  /** SMS_FROM: the sending number (E.164) or messaging service id. */
  from: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, why: string) {
    super(`${variable}: ${why}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function parsePort(env: Env): number {
  const raw = env.PORT?.trim();
  if (raw === undefined || raw === '') return 4000;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError('PORT', `must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return Number(raw);
}

function parseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must use http or https, got "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

function parseBool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function parseSynchronous(raw: string | undefined): 'FULL' | 'NORMAL' {
  const v = raw?.trim().toUpperCase();
  if (!v) return 'FULL';
  if (v === 'FULL' || v === 'NORMAL') return v;
  throw new ConfigError('SQLITE_SYNCHRONOUS', `must be FULL or NORMAL, got "${raw}"`);
}

function parseDatabase(raw: string | undefined): DatabaseConfig {
  const v = raw?.trim();
  if (v && /^postgres(ql)?:\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new ConfigError('DATABASE_URL', `is not a valid PostgreSQL URL, got "${redactUrl(v)}"`);
    }
    if (!url.hostname && !url.searchParams.get('host')) {
      throw new ConfigError('DATABASE_URL', `must name the PostgreSQL host (postgres://user@host:5432/db), got "${redactUrl(v)}"`);
    }
    return { kind: 'postgres', url: v };
  }
  return { kind: 'sqlite', path: parseDatabasePath(v) };
}

/** The URL with its password replaced, for error messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

function parseRedisUrl(raw: string | undefined): string | null {
  const v = raw?.trim();
  if (!v) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError('REDIS_URL', `is not a valid URL, got "${redactUrl(v)}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `must be a redis:// or rediss:// URL, got "${redactUrl(v)}"`);
  }
  return v;
}

function parseDatabasePath(v: string | undefined): string {
  if (!v) return './data/leadrace.db';
  if (v === ':memory:') return v;
  if (v.startsWith('file://')) {
    // An absolute file URL: decode it the standard way (%20, file://localhost/...), so the server
    // opens the file the URL names rather than one with "%20" in its name.
    try {
      return fileURLToPath(v);
    } catch {
      throw new ConfigError('DATABASE_URL', `must be a local file: URL (file:///path/to/db), got "${v}"`);
    }
  }
  if (v.startsWith('file:')) {
    // file:./relative.db stays relative to the working directory, as SQLite's own URIs do.
    try {
      return decodeURIComponent(v.slice('file:'.length));
    } catch {
      throw new ConfigError('DATABASE_URL', `has a malformed %-escape, got "${v}"`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    throw new ConfigError('DATABASE_URL', `must be a SQLite file path, a file: URL or a postgres:// URL, got "${redactUrl(v)}"`);
  }
  return v;
}

function parseLimit(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from 1 to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** A duration in whole milliseconds from 1 ms to one hour, or `fallback` when unset. */
function parseMillis(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 3_600_000) {
    throw new ConfigError(name, `must be a whole number of milliseconds from 1 to 3600000, got "${raw}"`);
  }
  return Number(raw);
}

/** The HTTP server's timeouts; the headers must fit in the request's time (Node refuses otherwise). */
function parseHttpTimeouts(env: Env) {
  const httpRequestTimeoutMs = parseMillis(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000);
  const httpHeadersTimeoutMs = parseMillis(env, 'HTTP_HEADERS_TIMEOUT_MS', Math.min(20_000, httpRequestTimeoutMs));
  if (httpHeadersTimeoutMs > httpRequestTimeoutMs) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_MS',
      `must not be longer than HTTP_REQUEST_TIMEOUT_MS (${httpRequestTimeoutMs}), got "${httpHeadersTimeoutMs}"`);
  }
  const httpKeepAliveTimeoutMs = parseMillis(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000);
  return { httpHeadersTimeoutMs, httpRequestTimeoutMs, httpKeepAliveTimeoutMs };
}

function parseConnectionCap(env: Env, trustProxy: boolean): number | null {
  const raw = env.MAX_CONNECTIONS_PER_ADDRESS?.trim();
  if (raw === undefined || raw === '') return trustProxy ? null : 256;
  if (!/^\d+$/.test(raw) || Number(raw) > 1_000_000) {
    throw new ConfigError('MAX_CONNECTIONS_PER_ADDRESS', `must be a whole number from 0 (no cap) to 1000000, got "${raw}"`);
  }
  return Number(raw) === 0 ? null : Number(raw);
}

function parseSmtp(env: Env, domain: string): SmtpConfig | null {
  const raw = env.SMTP_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL', 'must be a URL like smtp://user:pass@host:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL', `must use smtp or smtps, got "${url.protocol}"`);
  }
  if (!url.hostname) throw new ConfigError('SMTP_URL', 'names no host');
  const from = env.SMTP_FROM?.trim() || `leadrace@${domain}`;
  // "Name <address>" or a bare address; nodemailer accepts both.
  if (!/^([^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(from)) {
    throw new ConfigError('SMTP_FROM', `must be an email address or "Name <address>", got "${from}"`);
  }
  return { url: raw, from };
}

function parseSms(env: Env): SmsConfig | null {
  const accountSid = env.SMS_ACCOUNT_SID?.trim() || null;
  const authToken = env.SMS_AUTH_TOKEN?.trim() || null;
  const from = env.SMS_FROM?.trim() || null;
  const apiUrl = env.SMS_API_URL?.trim() || null;
  if (!accountSid && !authToken && !from && !apiUrl) return null;
  // Half a configuration would silently send nothing: refuse to start instead.
  if (!accountSid) throw new ConfigError('SMS_ACCOUNT_SID', 'is required when any SMS_* variable is set');
  if (!authToken) throw new ConfigError('SMS_AUTH_TOKEN', 'is required when any SMS_* variable is set');
  if (!from) throw new ConfigError('SMS_FROM', 'is required when any SMS_* variable is set');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(accountSid)) {
    throw new ConfigError('SMS_ACCOUNT_SID', 'must be letters, digits, "_" or "-" (it becomes part of the API path)');
  }
  return { apiUrl: apiUrl ? parseUrl('SMS_API_URL', apiUrl) : 'https://api.twilio.com', accountSid, authToken, from };
}

/** Reads and validates the configuration; throws ConfigError on the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = parsePort(env);
  const production = env.NODE_ENV === 'production';

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const bootstrapAdminToken = env.BOOTSTRAP_ADMIN_TOKEN?.trim() || null;
  if (bootstrapAdminToken !== null && bootstrapAdminToken.length < 16) {
    throw new ConfigError('BOOTSTRAP_ADMIN_TOKEN', 'must be at least 16 characters, so that it cannot be guessed');
  }

  const domain = env.INBOUND_EMAIL_DOMAIN?.trim() || 'leads.localhost';
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(domain)) {
    throw new ConfigError('INBOUND_EMAIL_DOMAIN', `must be a domain name, got "${domain}"`);
  }

  const regionRaw = env.DEFAULT_PHONE_REGION?.trim() || DEFAULT_PHONE_REGION;
  const defaultPhoneRegion = phoneRegion(regionRaw);
  if (defaultPhoneRegion === null) {
    throw new ConfigError('DEFAULT_PHONE_REGION', `must be an ISO 3166 country code such as US or GB, got "${regionRaw}"`);
  }

  const actionLinkSecret = env.ACTION_LINK_SECRET?.trim() || null;
  if (actionLinkSecret !== null && actionLinkSecret.length < 32) {
    throw new ConfigError('ACTION_LINK_SECRET', 'must be at least 32 characters, so that links cannot be forged');
  }

  const inboundEmailSecret = env.INBOUND_EMAIL_SECRET?.trim() || null;
  if (inboundEmailSecret !== null && inboundEmailSecret.length < 16) {
    throw new ConfigError('INBOUND_EMAIL_SECRET', 'must be at least 16 characters');
  }

  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && (metricsToken.length < 16 || /\s/.test(metricsToken))) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters without spaces, so that it cannot be guessed');
  }

  const corsRaw = env.CORS_ORIGINS?.trim() || '*';
  let corsOrigins: string[] | '*' = '*';
  if (corsRaw !== '*') {
    corsOrigins = corsRaw.split(',').map((o) => o.trim()).filter(Boolean).map((o) => {
      const url = new URL(parseUrl('CORS_ORIGINS', o));
      if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
        throw new ConfigError('CORS_ORIGINS', `"${o}" is not an origin (scheme://host[:port], no path)`);
      }
      // Browsers send the serialised origin (lower-case host, no default port): compare against that,
      // so that "https://Dash.Example.com" or "https://a.com:443" match instead of being refused.
      return url.origin;
    });
  }

  const trustProxy = parseBool('TRUST_PROXY', env.TRUST_PROXY, false);
  const loginRatePerMinute = parseLimit(env, 'LOGIN_RATE_PER_MINUTE', 10, 1_000_000);
  const loginAccountRatePerMinute = parseLimit(env, 'LOGIN_ACCOUNT_RATE_PER_MINUTE', loginRatePerMinute * 10, 10_000_000);
  if (loginAccountRatePerMinute < loginRatePerMinute) {
    // Below the per-address rate, the account's ceiling would refuse first: strangers elsewhere could
    // lock the user out again.
    throw new ConfigError('LOGIN_ACCOUNT_RATE_PER_MINUTE',
      `must be at least LOGIN_RATE_PER_MINUTE (${loginRatePerMinute}), got "${loginAccountRatePerMinute}"`);
  }

  return {
    port,
    database: parseDatabase(env.DATABASE_URL),
    databasePoolSize: parseLimit(env, 'DATABASE_POOL_SIZE', 10, 200),
    redisUrl: parseRedisUrl(env.REDIS_URL),
    sqliteSynchronous: parseSynchronous(env.SQLITE_SYNCHRONOUS),
    bootstrapAdminToken,
    publicUrl: env.PUBLIC_URL?.trim() ? parseUrl('PUBLIC_URL', env.PUBLIC_URL.trim()) : `http://localhost:${port}`,
    inboundEmailDomain: domain.toLowerCase(),
    defaultPhoneRegion,
    inboundEmailSecret,
    actionLinkSecret,
    logLevel,
    corsOrigins,
    intakeRatePerMinute: parseLimit(env, 'INTAKE_RATE_PER_MINUTE', 60, 1_000_000),
    loginRatePerMinute,
    loginAccountRatePerMinute,
    trustProxy,
    wsMaxConnectionsPerUser: parseLimit(env, 'WS_MAX_CONNECTIONS_PER_USER', 20, 10_000),
    wsMaxSubscriptionsPerConnection: parseLimit(env, 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, 10_000),
    ...parseHttpTimeouts(env),
    maxConnectionsPerAddress: parseConnectionCap(env, trustProxy),
    playground: parseBool('PLAYGROUND', env.PLAYGROUND, !production),
    production,
    smtp: parseSmtp(env, domain.toLowerCase()),
    sms: parseSms(env),
    metricsToken,
    webhookAllowPrivateNetworks: parseBool('WEBHOOK_ALLOW_PRIVATE_NETWORKS', env.WEBHOOK_ALLOW_PRIVATE_NETWORKS, false),
  };
}

// loadConfig: the defaults a bare `npm start` runs with, and the rule that every wrong value stops
// the start with a ConfigError naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';

/** The ConfigError loadConfig throws for `env`; fails the test if it throws nothing or something else. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}, but the configuration loaded`);
}

describe('defaults', () => {
  it('an empty environment gives the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      database: { kind: 'sqlite', path: './data/leadrace.db' },
      databasePoolSize: 10,
      redisUrl: null,
      sqliteSynchronous: 'FULL',
      bootstrapAdminToken: null,
      publicUrl: 'http://localhost:4000',
      inboundEmailDomain: 'leads.localhost',
      defaultPhoneRegion: 'US',
      inboundEmailSecret: null,
      actionLinkSecret: null,
      logLevel: 'info',
      corsOrigins: '*',
      intakeRatePerMinute: 60,
      loginRatePerMinute: 10,
      loginAccountRatePerMinute: 100,
      trustProxy: false,
      wsMaxConnectionsPerUser: 20,
      wsMaxSubscriptionsPerConnection: 50,
      httpHeadersTimeoutMs: 20_000,
      httpRequestTimeoutMs: 30_000,
      httpKeepAliveTimeoutMs: 65_000,
      maxConnectionsPerAddress: 256,
      playground: true,
      production: false,
      smtp: null,
      sms: null,
      metricsToken: null,
      webhookAllowPrivateNetworks: false,
    });
  });

  it('METRICS_TOKEN is kept when long enough; a short one, or one with spaces, is refused without echoing it', () => {
    expect(loadConfig({ METRICS_TOKEN: ' scrape-token-0123456789 ' }).metricsToken).toBe('scrape-token-0123456789');
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }).webhookAllowPrivateNetworks).toBe(true);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'sometimes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    const short = configError({ METRICS_TOKEN: 'scrape-tok' });
    expect(short.variable).toBe('METRICS_TOKEN');
    expect(short.message).not.toContain('scrape-tok');
    expect(configError({ METRICS_TOKEN: 'scrape token 0123456789' }).variable).toBe('METRICS_TOKEN');
  });

  it('SQLITE_SYNCHRONOUS takes FULL or NORMAL, in any case', () => {
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('NORMAL');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: ' FULL ' }).sqliteSynchronous).toBe('FULL');
  });

  it('ACTION_LINK_SECRET must be at least 32 characters', () => {
    expect(() => loadConfig({ ACTION_LINK_SECRET: 'too-short' })).toThrow(/^ACTION_LINK_SECRET: /);
    expect(loadConfig({ ACTION_LINK_SECRET: 'x'.repeat(32) }).actionLinkSecret).toBe('x'.repeat(32));
  });

  it('blank values count as unset', () => {
    const config = loadConfig({ PORT: ' ', DATABASE_URL: '', LOG_LEVEL: ' ', CORS_ORIGINS: '', BOOTSTRAP_ADMIN_TOKEN: '  ' });
    expect(config).toMatchObject({ port: 4000, database: { kind: 'sqlite', path: './data/leadrace.db' }, logLevel: 'info', corsOrigins: '*', bootstrapAdminToken: null });
  });

  it('the default PUBLIC_URL follows PORT', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('an explicit PUBLIC_URL wins over the default and loses its trailing slash', () => {
    expect(loadConfig({ PORT: '8080', PUBLIC_URL: 'https://leads.example.com/' }).publicUrl).toBe('https://leads.example.com');
  });

  it('NODE_ENV=production turns the playground off unless PLAYGROUND says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ production: true, playground: false });
    expect(loadConfig({ NODE_ENV: 'production', PLAYGROUND: 'true' })).toMatchObject({ production: true, playground: true });
    expect(loadConfig({ PLAYGROUND: 'off' }).playground).toBe(false);
  });

  it('PORT=0 is accepted (the OS picks a free port)', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it('the forwarding domain is lower-cased, and a long enough bootstrap token is kept as given', () => {
    const config = loadConfig({ INBOUND_EMAIL_DOMAIN: 'Leads.Example.COM', BOOTSTRAP_ADMIN_TOKEN: 'a-long-enough-secret' });
    expect(config.inboundEmailDomain).toBe('leads.example.com');
    expect(config.bootstrapAdminToken).toBe('a-long-enough-secret');
  });
});

describe('DEFAULT_PHONE_REGION', () => {
  it('is an ISO 3166 country code libphonenumber knows, in any case; default US', () => {
    expect(loadConfig({ DEFAULT_PHONE_REGION: 'gb' }).defaultPhoneRegion).toBe('GB');
    expect(loadConfig({ DEFAULT_PHONE_REGION: ' DE ' }).defaultPhoneRegion).toBe('DE');
    expect(loadConfig({ DEFAULT_PHONE_REGION: '' }).defaultPhoneRegion).toBe('US');
  });

  it('an unknown code stops the start, naming the variable and the value', () => {
    for (const wrong of ['XX', 'USA', 'uk', '1']) {
      const err = configError({ DEFAULT_PHONE_REGION: wrong });
      expect(err.variable).toBe('DEFAULT_PHONE_REGION');
      expect(err.message).toContain(`"${wrong}"`);
    }
  });
});

describe('DATABASE_URL', () => {
  it('a plain path and :memory: are used as they are', () => {
    expect(loadConfig({ DATABASE_URL: '/var/lib/leadrace/db.sqlite' }).database).toEqual({ kind: 'sqlite', path: '/var/lib/leadrace/db.sqlite' });
    expect(loadConfig({ DATABASE_URL: ':memory:' }).database).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('file: URLs name the file they point to: absolute, relative, localhost, and %-escaped', () => {
    expect(loadConfig({ DATABASE_URL: 'file:///tmp/leadrace.db' }).database).toEqual({ kind: 'sqlite', path: '/tmp/leadrace.db' });
    expect(loadConfig({ DATABASE_URL: 'file:/tmp/leadrace.db' }).database).toEqual({ kind: 'sqlite', path: '/tmp/leadrace.db' });
    expect(loadConfig({ DATABASE_URL: 'file:./data/x.db' }).database).toEqual({ kind: 'sqlite', path: './data/x.db' });
    expect(loadConfig({ DATABASE_URL: 'file://localhost/tmp/x.db' }).database).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(loadConfig({ DATABASE_URL: 'file:///tmp/my%20leads.db' }).database).toEqual({ kind: 'sqlite', path: '/tmp/my leads.db' });
  });

  it('a file: URL on another host is refused', () => {
    expect(configError({ DATABASE_URL: 'file://fileserver/share/x.db' }).variable).toBe('DATABASE_URL');
  });

  it('postgres:// and postgresql:// URLs are PostgreSQL, taken as they are', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://leadrace:pw@db.example.com/leadrace' }).database)
      .toEqual({ kind: 'postgres', url: 'postgres://leadrace:pw@db.example.com/leadrace' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db.example.com:6432/leads?sslmode=require' }).database)
      .toEqual({ kind: 'postgres', url: 'postgresql://db.example.com:6432/leads?sslmode=require' });
  });

  it('another server URL is refused, and the message never shows its password', () => {
    const err = configError({ DATABASE_URL: 'mysql://leadrace:hunter2@db.example.com/leadrace' });
    expect(err.variable).toBe('DATABASE_URL');
    expect(err.message).toMatch(/^DATABASE_URL: must be a SQLite file path, a file: URL or a postgres:\/\/ URL/);
    expect(err.message).not.toContain('hunter2');
  });

  it('a PostgreSQL URL without a host is refused', () => {
    expect(configError({ DATABASE_URL: 'postgres:///leadrace' }).variable).toBe('DATABASE_URL');
  });
});

describe('REDIS_URL and DATABASE_POOL_SIZE', () => {
  it('redis:// and rediss:// are taken; anything else is refused without showing a password', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@cache.example.com:6380/2' }).redisUrl).toBe('rediss://:pw@cache.example.com:6380/2');
    const err = configError({ REDIS_URL: 'http://u:secretpw@cache.example.com' });
    expect(err.variable).toBe('REDIS_URL');
    expect(err.message).not.toContain('secretpw');
  });

  it('the pool size is a whole number from 1 to 200', () => {
    expect(loadConfig({ DATABASE_POOL_SIZE: '25' }).databasePoolSize).toBe(25);
    for (const wrong of ['0', '201', 'ten', '2.5']) expect(configError({ DATABASE_POOL_SIZE: wrong }).variable).toBe('DATABASE_POOL_SIZE');
  });
});

describe('CORS_ORIGINS', () => {
  it('a comma-separated list becomes a list of origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://dash.example.com, http://localhost:3000' }).corsOrigins)
      .toEqual(['https://dash.example.com', 'http://localhost:3000']);
  });

  it('origins are kept in the form browsers send them (lower-case host, no default port, no slash)', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://Dash.Example.com,https://a.example.com:443,http://b.example.com/' }).corsOrigins)
      .toEqual(['https://dash.example.com', 'https://a.example.com', 'http://b.example.com']);
  });
});

describe('a wrong value throws a ConfigError that names the variable', () => {
  const cases: [string, Record<string, string>][] = [
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://x' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://dash.example.com/app' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://ok.example.com,ftp://files.example.com' }],
    ['BOOTSTRAP_ADMIN_TOKEN', { BOOTSTRAP_ADMIN_TOKEN: 'short' }],
    ['INBOUND_EMAIL_SECRET', { INBOUND_EMAIL_SECRET: 'short' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://u@h/db' }],
    ['PLAYGROUND', { PLAYGROUND: 'maybe' }],
    ['SQLITE_SYNCHRONOUS', { SQLITE_SYNCHRONOUS: 'OFF' }],
    ['INBOUND_EMAIL_DOMAIN', { INBOUND_EMAIL_DOMAIN: 'not a domain' }],
    ['INBOUND_EMAIL_DOMAIN', { INBOUND_EMAIL_DOMAIN: 'under_score.example.com' }],
    ['INBOUND_EMAIL_DOMAIN', { INBOUND_EMAIL_DOMAIN: '-leads.example.com' }],
  ];

  it.each(cases)('%s: %j', (variable, env) => {
    const err = configError(env);
    expect(err.name).toBe('ConfigError');
    expect(err.variable).toBe(variable);
    // The message starts with the variable, so the one line printed at start-up says what to fix.
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('the message quotes the wrong value', () => {
    expect(configError({ PORT: 'abc' }).message).toContain('"abc"');
    expect(configError({ LOG_LEVEL: 'loud' }).message).toContain('"loud"');
  });

  it('a short bootstrap token is refused without echoing it', () => {
    expect(configError({ BOOTSTRAP_ADMIN_TOKEN: 'sekrit-123' }).message).not.toContain('sekrit-123');
  });
});

describe('abuse limits', () => {
  it('rates and WebSocket bounds are read as whole numbers; TRUST_PROXY as a boolean', () => {
    expect(loadConfig({
      INTAKE_RATE_PER_MINUTE: '5', LOGIN_RATE_PER_MINUTE: '3', TRUST_PROXY: 'true',
      WS_MAX_CONNECTIONS_PER_USER: '2', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '7',
    })).toMatchObject({ intakeRatePerMinute: 5, loginRatePerMinute: 3, trustProxy: true, wsMaxConnectionsPerUser: 2, wsMaxSubscriptionsPerConnection: 7 });
  });

  it('the per-account login ceiling defaults to ten times the per-address rate, and may be set on its own', () => {
    expect(loadConfig({})).toMatchObject({ loginRatePerMinute: 10, loginAccountRatePerMinute: 100 });
    expect(loadConfig({ LOGIN_RATE_PER_MINUTE: '4' })).toMatchObject({ loginRatePerMinute: 4, loginAccountRatePerMinute: 40 });
    expect(loadConfig({ LOGIN_RATE_PER_MINUTE: '4', LOGIN_ACCOUNT_RATE_PER_MINUTE: '4' }))
      .toMatchObject({ loginRatePerMinute: 4, loginAccountRatePerMinute: 4 });
  });

  it('LOGIN_ACCOUNT_RATE_PER_MINUTE below LOGIN_RATE_PER_MINUTE is refused, naming both', () => {
    const err = configError({ LOGIN_RATE_PER_MINUTE: '10', LOGIN_ACCOUNT_RATE_PER_MINUTE: '9' });
    expect(err.variable).toBe('LOGIN_ACCOUNT_RATE_PER_MINUTE');
    expect(err.message).toContain('LOGIN_RATE_PER_MINUTE (10)');
  });

  it.each(['INTAKE_RATE_PER_MINUTE', 'LOGIN_RATE_PER_MINUTE', 'LOGIN_ACCOUNT_RATE_PER_MINUTE', 'WS_MAX_CONNECTIONS_PER_USER', 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION'])(
    '%s must be a whole number of at least 1', (name) => {
      for (const bad of ['0', '-1', '2.5', 'many']) expect(configError({ [name]: bad }).variable).toBe(name);
    });

  it('TRUST_PROXY must be true or false', () => {
    expect(configError({ TRUST_PROXY: 'sometimes' }).variable).toBe('TRUST_PROXY');
  });
});

describe('HTTP timeouts and connections per address', () => {
  it('the timeouts are read in milliseconds, MAX_CONNECTIONS_PER_ADDRESS as a whole number', () => {
    expect(loadConfig({
      HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: ' 12000 ', HTTP_KEEP_ALIVE_TIMEOUT_MS: '75000', MAX_CONNECTIONS_PER_ADDRESS: '1000',
    })).toMatchObject({ httpHeadersTimeoutMs: 5000, httpRequestTimeoutMs: 12_000, httpKeepAliveTimeoutMs: 75_000, maxConnectionsPerAddress: 1000 });
  });

  it('headers may take as long as the whole request, not longer; unset, their default follows a shorter request timeout', () => {
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '9000', HTTP_REQUEST_TIMEOUT_MS: '9000' }).httpHeadersTimeoutMs).toBe(9000);
    const err = configError({ HTTP_HEADERS_TIMEOUT_MS: '9001', HTTP_REQUEST_TIMEOUT_MS: '9000' });
    expect(err.variable).toBe('HTTP_HEADERS_TIMEOUT_MS');
    expect(err.message).toBe('HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS (9000), got "9001"');
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '8000' })).toMatchObject({ httpHeadersTimeoutMs: 8000, httpRequestTimeoutMs: 8000 });
    // Over the default request timeout (30 s).
    expect(configError({ HTTP_HEADERS_TIMEOUT_MS: '40000' }).variable).toBe('HTTP_HEADERS_TIMEOUT_MS');
  });

  it.each([
    ['HTTP_HEADERS_TIMEOUT_MS', 'httpHeadersTimeoutMs'],
    ['HTTP_REQUEST_TIMEOUT_MS', 'httpRequestTimeoutMs'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'httpKeepAliveTimeoutMs'],
  ])('%s must be whole milliseconds from 1 to one hour (0 would turn the timeout off)', (name, field) => {
    for (const bad of ['0', '-1', '2.5', '10s', '3600001']) {
      const err = configError({ [name]: bad });
      expect(err.variable).toBe(name);
      expect(err.message).toContain(`"${bad}"`);
    }
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '1', [name]: '1' })).toMatchObject({ [field]: 1 });
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '3600000', [name]: '3600000' })).toMatchObject({ [field]: 3_600_000 });
  });

  it('MAX_CONNECTIONS_PER_ADDRESS=0 turns the cap off; a negative, fractional or huge value is refused', () => {
    expect(loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: '0' }).maxConnectionsPerAddress).toBeNull();
    for (const bad of ['-1', '2.5', 'lots', '1000001']) expect(configError({ MAX_CONNECTIONS_PER_ADDRESS: bad }).variable).toBe('MAX_CONNECTIONS_PER_ADDRESS');
  });

  it('behind a trusted proxy every connection comes from the proxy: no cap by default, an explicit one still applies', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).maxConnectionsPerAddress).toBeNull();
    expect(loadConfig({ TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_ADDRESS: '5000' }).maxConnectionsPerAddress).toBe(5000);
    expect(loadConfig({ TRUST_PROXY: 'false' }).maxConnectionsPerAddress).toBe(256);
  });
});

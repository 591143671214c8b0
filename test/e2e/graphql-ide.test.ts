// The GraphQL IDE on GET /graphql (GraphiQL, served by leadrace itself), driven in a real headless
// Chromium (skipped without one, except in CI: support/browser.ts). It loads with no request to any
// other host, under a Content-Security-Policy that refuses other origins; a query set in the editor
// runs with the Authorization header typed in the headers editor and its result shows; a
// subscription started from the page, over graphql-ws on the same URL, receives the event of a
// mutation the test makes; the docs come from the schema. Its assets are plain HTTP, checked too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_COST } from '../../src/graphql/query-cost.js';
import { chromiumForTests, launchChromium } from '../support/browser.js';
import { createSource } from '../support/brokerage.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const chromiumPath = chromiumForTests();
let t: TestServer;
let browser: Browser | undefined;
let page: Page;
/** Every URL the page asked for, HTTP and WebSocket. */
const requested: string[] = [];
/** The requests aimed at a host other than this machine: aborted in the browser, never sent. */
const leaving: string[] = [];
/** Content-Security-Policy violations the page reported: "<directive> <blocked URL>". */
const violations: string[] = [];
/** The frames the page sent over its WebSockets. */
const sentFrames: string[] = [];

/** Collects what `p` reports of CSP violations (the page's own securitypolicyviolation events). */
async function collectViolations(p: Page, into: string[]): Promise<void> {
  await p.exposeFunction('reportViolation', (v: string) => { into.push(v); });
  await p.addInitScript({ content: `document.addEventListener('securitypolicyviolation',
    (e) => window.reportViolation(e.effectiveDirective + ' ' + e.blockedURI));` });
}

beforeAll(async () => {
  t = await startTestServer();
  if (!chromiumPath) return;
  browser = await launchChromium(chromiumPath);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('request', (r) => { requested.push(r.url()); });
  page.on('websocket', (ws) => {
    requested.push(ws.url());
    ws.on('framesent', (f) => { sentFrames.push(String(f.payload)); });
  });
  await page.route((url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost', async (route) => {
    leaving.push(route.request().url());
    await route.abort('blockedbyclient');
  });
  await collectViolations(page, violations);
  await page.goto(`${t.url}/graphql`);
});

afterAll(async () => {
  await browser?.close();
  await t.close();
});

/** One of GraphiQL's CodeMirror editors (GraphiQL 4 keeps each instance on its element). */
function editor(selector: string) {
  const cm = `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)}).CodeMirror`;
  return {
    get: () => page.evaluate<string>(`${cm}.getValue()`),
    set: (value: string) => page.evaluate(`${cm}.setValue(${JSON.stringify(value)})`),
  };
}
const query = editor('.graphiql-query-editor');
const headers = editor('section[aria-label="Headers"] .graphiql-editor:not(.hidden)');
const result = editor('.result-window');

/** The response pane's JSON once `done` holds for it (GraphiQL shows the latest payload). */
async function resultWhen(done: (text: string) => boolean, tries = 200): Promise<unknown> {
  for (let i = 0; i < tries; i++) {
    const text = await result.get();
    if (text && done(text)) return JSON.parse(text);
    await page.waitForTimeout(50);
  }
  throw new Error(`the response pane never matched; it shows: ${await result.get()}`);
}

const onlyThisServer = () => {
  expect(leaving).toEqual([]);
  const ours = new URL(t.url).host;
  expect(requested.filter((u) => new URL(u).host !== ours)).toEqual([]);
};

describe.skipIf(!chromiumPath)('the GraphQL IDE in a browser', () => {
  it('loads from this server alone, with the headers editor prefilled for a bearer token', async () => {
    onlyThisServer();
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    expect(await page.title()).toBe('leadrace GraphQL IDE');
    expect(JSON.parse(await headers.get())).toEqual({ Authorization: 'Bearer ' });
    expect(requested).toEqual(expect.arrayContaining([`${t.url}/graphql`, `${t.url}/graphql/ide.js`, `${t.url}/graphql/ide.css`]));
    onlyThisServer();
    expect(violations).toEqual([]);
  });

  it('refuses to load or connect to another origin (Content-Security-Policy), even one on this machine', async () => {
    let hits = 0;
    const other: Server = createServer((_req, res) => { hits += 1; res.end('/* other origin */'); });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    // A page of its own, so that these refused requests stay out of the main page's record.
    const own = await (browser as Browser).newPage();
    const refused: string[] = [];
    try {
      await collectViolations(own, refused);
      await own.goto(`${t.url}/graphql`);
      await own.evaluate(`(() => {
        fetch('${origin}/fetch').catch(() => {});
        new Image().src = '${origin}/img.png';
        const script = document.createElement('script'); script.src = '${origin}/script.js'; document.head.append(script);
        const style = document.createElement('link'); style.rel = 'stylesheet'; style.href = '${origin}/style.css'; document.head.append(style);
        try { new WebSocket('${origin.replace('http', 'ws')}/ws'); } catch {}
      })()`);
      for (let i = 0; i < 100 && refused.length < 5; i++) await own.waitForTimeout(20);
      expect([...refused].sort()).toEqual([
        `connect-src ${origin}/fetch`, `connect-src ${origin.replace('http', 'ws')}/ws`, `img-src ${origin}/img.png`,
        `script-src-elem ${origin}/script.js`, `style-src-elem ${origin}/style.css`,
      ].sort());
      expect(hits).toBe(0);
    } finally {
      await own.close();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('runs a query set in the editor with the Authorization header from the headers editor, and shows its result', async () => {
    await query.set('{ me { role } }');
    await page.click('.graphiql-execute-button');
    // The prefilled header has no token yet: the API says so.
    expect(JSON.stringify(await resultWhen((text) => text.includes('errors')))).toContain('UNAUTHENTICATED');

    await headers.set(JSON.stringify({ Authorization: `Bearer ${ADMIN_TOKEN}` }));
    await page.click('.graphiql-execute-button');
    // The whole answer: the data, and what the query cost (2 fields; src/graphql/query-checks-plugin.ts).
    expect(await resultWhen((text) => text.includes('ADMIN')))
      .toEqual({ data: { me: { role: 'ADMIN' } }, extensions: { cost: { actual: 2, limit: MAX_QUERY_COST } } });
    onlyThisServer();
  });

  it('starts a subscription over graphql-ws on the same URL, authenticated by that header, and shows the event a mutation causes', async () => {
    const source = await createSource(t);
    await query.set('subscription Feed { leadEvents { type lead { firstName } } }');
    // Without a token the server closes the socket with 4403, and the pane says so.
    await headers.set(JSON.stringify({ Authorization: 'Bearer ' }));
    await page.click('.graphiql-execute-button');
    await expect.poll(() => result.get(), { timeout: 10_000 }).toContain('4403 Forbidden');
    sentFrames.length = 0;

    await headers.set(JSON.stringify({ Authorization: `Bearer ${ADMIN_TOKEN}` }));
    await page.click('.graphiql-execute-button');
    await until(() => sentFrames, (frames) => frames.some((f) => f.includes('"subscribe"')), 'the subscribe frame');
    expect(requested.filter((u) => u.startsWith('ws'))).toEqual([t.wsUrl, t.wsUrl]);
    expect(sentFrames.map((f) => JSON.parse(f) as unknown)).toEqual([
      { type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      { type: 'subscribe', id: expect.any(String), payload: expect.objectContaining({ query: expect.stringContaining('leadEvents') }) },
    ]);

    // The server registers the subscription a moment after the frame arrives: a lead submitted
    // before that is not this subscription's, so submit until one shows (the first, nearly always).
    let shown: unknown = null;
    for (let i = 1; i <= 10 && !shown; i++) {
      await t.admin.SubmitLead({ input: { sourceId: source.id, firstName: `Imogen ${i}` } });
      shown = await resultWhen((text) => text.includes('Imogen'), 40).catch(() => null);
    }
    expect(shown).toEqual({ data: { leadEvents: { type: expect.any(String), lead: { firstName: expect.stringMatching(/^Imogen \d+$/) } } } });
    onlyThisServer();
    // Stops it (the button turns into Stop while a subscription runs).
    await page.click('.graphiql-execute-button');
  });

  it('shows the schema\'s docs, from introspection', async () => {
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.click('.graphiql-doc-explorer >> text=Mutation');
    await page.waitForSelector('.graphiql-doc-explorer >> text=submitLead');
    onlyThisServer();
    expect(violations).toEqual([]);
  });
});

describe('the IDE assets', () => {
  it('GET /graphql/ide.js and /graphql/ide.css serve the bundle, gzipped when asked, and revalidate with 304', async () => {
    const js = await fetch(`${t.url}/graphql/ide.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = js.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[\w-]+"$/);
    expect(await js.text()).toContain('graphiql');

    const css = await fetch(`${t.url}/graphql/ide.css`, { headers: { 'accept-encoding': 'identity' } });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-encoding')).toBeNull();
    expect(await css.text()).toContain('.graphiql-container');

    const again = await fetch(`${t.url}/graphql/ide.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('with PLAYGROUND=false neither the page nor its assets are served', async () => {
    const off = await startTestServer({ env: { PLAYGROUND: 'false' } });
    try {
      expect((await fetch(`${off.url}/graphql/ide.js`)).status).toBe(404);
      expect((await fetch(`${off.url}/graphql/ide.css`)).status).toBe(404);
      expect((await fetch(`${off.url}/graphql`, { headers: { accept: 'text/html' } })).status).toBe(400);
    } finally {
      await off.close();
    }
  });
});

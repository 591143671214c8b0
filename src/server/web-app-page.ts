// The web app for agents and admins on GET / (src/web): one HTML page that loads one script and one
// style sheet, both from this server and named by their content's hash, so a browser keeps them for
// good and asks again only for the page (revalidated: 304 while nothing changed). The app speaks to
// the server only through the public API: POST /graphql and graphql-ws on /graphql.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { browserAsset, type BrowserAsset, type BrowserBundle } from './browser-bundle.js';
import { sendText } from './http-util.js';
import { sendAsset } from './static-asset.js';
import { webAppAssets } from './web-app-bundle.js';

/**
 * Nothing but this server: scripts, styles, images, fonts and connections (`'self'` covers ws: and
 * wss: on the same host and port) come from here, no inline script or style runs, the page cannot be
 * framed, and no form posts anywhere (the app's forms are handled by its script).
 */
export const WEB_APP_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': WEB_APP_CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The asset files carry their hash in their name: a new version is a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1a7f37"/><path d="M9 7h4v14h10v4H9z" fill="#fff"/></svg>`;

const scriptPath = (bundle: BrowserBundle) => `/app/app-${bundle.script.hash}.js`;
const stylePath = (bundle: BrowserBundle) => `/app/app-${bundle.style.hash}.css`;
const ICON_PATH = '/app/icon.svg';

function pageHtml(bundle: BrowserBundle): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="theme-color" content="#ffffff">
<title>leadrace</title>
<link rel="icon" href="${ICON_PATH}" type="image/svg+xml">
<link rel="stylesheet" href="${stylePath(bundle)}">
<script src="${scriptPath(bundle)}" defer></script>
</head>
<body>
<div id="app"><noscript>leadrace's web app needs JavaScript.</noscript></div>
</body>
</html>
`;
}

interface Served {
  page: BrowserAsset;
  icon: BrowserAsset;
  files: Map<string, BrowserAsset>;
}

/**
 * GET / and the files under /app/. The first request builds the bundle (browser-bundle.ts); a build
 * that fails answers 500 and is logged, and the next request tries again. An /app/ file of another
 * version (a page loaded before the server was updated) is 404: the page reloads into the new one.
 */
export function createWebAppRoute(logger: Logger, assets: () => Promise<BrowserBundle> = webAppAssets) {
  let served: Promise<Served> | null = null;
  const serve = (): Promise<Served> => {
    served ??= (async () => {
      const bundle = await assets();
      return {
        page: await browserAsset('text/html; charset=utf-8', pageHtml(bundle)),
        icon: await browserAsset('image/svg+xml', ICON),
        files: new Map([[scriptPath(bundle), bundle.script], [stylePath(bundle), bundle.style]]),
      };
    })().catch((err: unknown) => {
      served = null;
      throw err;
    });
    return served;
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const isPage = url.pathname === '/';
    if (!isPage && !url.pathname.startsWith('/app/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let ready: Served;
    try {
      ready = await serve();
    } catch (err) {
      logger.error({ err }, 'could not build the web app');
      sendText(res, 500, 'the web app could not be built: see the server log');
      return true;
    }
    if (isPage) {
      sendAsset(req, res, ready.page, 'no-cache', PAGE_HEADERS);
      return true;
    }
    if (url.pathname === ICON_PATH) {
      sendAsset(req, res, ready.icon, 'public, max-age=86400');
      return true;
    }
    const file = ready.files.get(url.pathname);
    if (!file) return false;
    sendAsset(req, res, file, IMMUTABLE);
    return true;
  };
}

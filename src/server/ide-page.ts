// The GraphQL IDE on GET /graphql (when PLAYGROUND is on): GraphiQL served by this server alone, so
// it works offline and behind a firewall, and no third-party page ever sees the token a user types.
// Apollo still decides when a GET /graphql is a browser asking for the page (renderLandingPage); the
// page loads one script and one style sheet from /graphql/ide.js and /graphql/ide.css (ide-bundle.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import { ideAssets, type IdeAssets } from './ide-bundle.js';
import { sendText } from './http-util.js';
import { sendAsset } from './static-asset.js';

const IDE_SCRIPT_PATH = '/graphql/ide.js';
const IDE_STYLE_PATH = '/graphql/ide.css';

/**
 * Nothing from another origin: scripts, styles, fonts, images and connections come from this server
 * only (`'self'` covers ws: and wss: on the same host and port), and no inline script runs. Inline
 * styles stay allowed: GraphiQL's dialogs inject a style element (to lock scrolling) and would log a
 * violation each time; a style runs no code, and anything it could load is held to this server too.
 * A meta element, because Apollo sends the landing page with its own headers (the directives a meta
 * element cannot carry, frame-ancestors and report-uri, guard nothing here: no cookie, no session).
 */
const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${IDE_CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadrace GraphQL IDE</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${IDE_STYLE_PATH}">
</head>
<body>
<div id="graphiql">Loading the GraphQL IDE…</div>
<script src="${IDE_SCRIPT_PATH}" defer></script>
</body>
</html>
`;

/** Apollo's landing page: the IDE's HTML, for a GET /graphql whose Accept prefers text/html. */
export function ideLandingPage(): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: PAGE };
        },
      };
    },
  };
}

/**
 * GET /graphql/ide.js and /graphql/ide.css. The first request builds them (ide-bundle.ts); a build
 * that fails answers 500 and is logged, and the next request tries again.
 */
export function createIdeAssetRoute(logger: Logger, assets: () => Promise<IdeAssets> = ideAssets) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const which = url.pathname === IDE_SCRIPT_PATH ? 'script' : url.pathname === IDE_STYLE_PATH ? 'style' : null;
    if (!which || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    let built: IdeAssets;
    try {
      built = await assets();
    } catch (err) {
      logger.error({ err }, 'could not build the GraphQL IDE');
      sendText(res, 500, 'the GraphQL IDE could not be built: see the server log');
      return true;
    }
    // Revalidated on each load (a new install changes the content, not the name): 304 when unchanged.
    sendAsset(req, res, built[which]);
    return true;
  };
}

// The web app's browser assets: src/web/main.tsx with React and graphql-ws bundled into one script
// and one style sheet (browser-bundle.ts), the first time they are asked for.
import { fileURLToPath } from 'node:url';
import { lazyBundle, type BrowserBundle } from './browser-bundle.js';

/** Built on the first call and shared by every server in the process; a failed build is retried. */
export const webAppAssets: () => Promise<BrowserBundle> = lazyBundle(fileURLToPath(new URL('../web/main.tsx', import.meta.url)));

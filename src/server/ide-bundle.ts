// The GraphQL IDE's browser assets: ide/entry.ts with GraphiQL, React and graphql-ws bundled into one
// script and one style sheet (browser-bundle.ts), the first time they are asked for. That takes 1.5
// to 2 s (measured on a 2-core machine) once per process.
import { fileURLToPath } from 'node:url';
import { lazyBundle, type BrowserAsset, type BrowserBundle } from './browser-bundle.js';

export type IdeAsset = BrowserAsset;
export type IdeAssets = BrowserBundle;

/** The assets, built on the first call and shared by every server in the process; a failed build is retried. */
export const ideAssets: () => Promise<IdeAssets> = lazyBundle(fileURLToPath(new URL('./ide/entry.ts', import.meta.url)));

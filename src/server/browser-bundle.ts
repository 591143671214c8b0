// Browser code served by this server (the GraphQL IDE, the web app): one entry bundled by esbuild
// into one script and one style sheet, in memory, the first time they are asked for. Nothing is
// written to disk, no generated bundle is committed, and a process that never serves a bundle never
// builds it. Each bundle is built once per process and shared by every server in it (it depends on
// nothing but the source and the installed packages).
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { build, stop } from 'esbuild';

export interface BrowserAsset {
  contentType: string;
  body: Buffer;
  /** The same bytes gzipped once, for the browsers that accept it (about a third of the size). */
  gzipped: Buffer;
  /** A hash of the content (27 base64url characters): names a version of the file. */
  hash: string;
  /** The content's hash, so a browser revalidates with If-None-Match and gets 304. */
  etag: string;
}

export interface BrowserBundle {
  script: BrowserAsset;
  style: BrowserAsset;
}

const gzipped = promisify(gzip);

export async function browserAsset(contentType: string, bytes: Uint8Array | string): Promise<BrowserAsset> {
  const body = Buffer.from(bytes);
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  // Weak: the plain and the gzipped bytes are one representation as far as revalidation goes.
  return { contentType, body, gzipped: await gzipped(body), hash, etag: `W/"${hash}"` };
}

/**
 * esbuild's service process would stay for the server's life holding ~140 MB of caches (measured)
 * for builds that never run again, so it is stopped after the last build in flight ends (tsx
 * transforms synchronously, and esbuild starts what it needs again on the next call). Counted, so
 * that one bundle finishing does not stop the service under another still building.
 */
let buildsInFlight = 0;

/**
 * Runs esbuild over `entry` (a TypeScript or TSX file; JSX uses React's automatic runtime). Throws
 * when esbuild or a package the entry imports is missing, or the entry has no style sheet.
 */
export async function buildBrowserBundle(entry: string): Promise<BrowserBundle> {
  buildsInFlight += 1;
  const result = await build({
    entryPoints: { bundle: entry },
    bundle: true,
    // In memory; the folder only names the two outputs (bundle.js, bundle.css).
    write: false,
    outdir: 'out',
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    // React's and graphql's production paths; there is no `process` in a browser.
    define: { 'process.env.NODE_ENV': '"production"' },
  }).finally(() => {
    buildsInFlight -= 1;
    if (buildsInFlight === 0) void stop();
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const style = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!script || !style) throw new Error(`the build of ${entry} produced ${result.outputFiles.map((f) => f.path).join(', ')}`);
  return {
    script: await browserAsset('text/javascript; charset=utf-8', script.contents),
    style: await browserAsset('text/css; charset=utf-8', style.contents),
  };
}

/**
 * The bundle, built on the first call and kept for the process. A failed build is not kept: the
 * next call tries again.
 */
export function lazyBundle(entry: string): () => Promise<BrowserBundle> {
  let built: Promise<BrowserBundle> | null = null;
  return () => {
    built ??= buildBrowserBundle(entry).catch((err: unknown) => {
      built = null;
      throw err;
    });
    return built;
  };
}

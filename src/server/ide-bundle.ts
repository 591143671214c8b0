// The GraphQL IDE's browser assets: ide/entry.ts with GraphiQL, React and graphql-ws bundled by
// esbuild into one script and one style sheet, in memory, the first time they are asked for. That
// takes 1.5 to 2 s (measured on a 2-core machine) once per process; nothing is written to disk, no
// generated bundle is committed, and a process that never serves the IDE never builds it.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { build, stop } from 'esbuild';

export interface IdeAsset {
  contentType: string;
  body: Buffer;
  /** The same bytes gzipped once, for the browsers that accept it (about a third of the size). */
  gzipped: Buffer;
  /** The content's hash, so a browser revalidates with If-None-Match and gets 304. */
  etag: string;
}

export interface IdeAssets {
  script: IdeAsset;
  style: IdeAsset;
}

const ENTRY = fileURLToPath(new URL('./ide/entry.ts', import.meta.url));

const gzipped = promisify(gzip);

async function asset(contentType: string, bytes: Uint8Array): Promise<IdeAsset> {
  const body = Buffer.from(bytes);
  // Weak: the plain and the gzipped bytes are one representation as far as revalidation goes.
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { contentType, body, gzipped: await gzipped(body), etag };
}

/** Runs esbuild over the entry. Throws when esbuild or a package of the IDE is missing. */
export async function buildIdeAssets(): Promise<IdeAssets> {
  const result = await build({
    entryPoints: { ide: ENTRY },
    bundle: true,
    // In memory; the folder only names the two outputs (ide.js, ide.css).
    write: false,
    outdir: 'ide',
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    // React's and graphql's production paths; there is no `process` in a browser.
    define: { 'process.env.NODE_ENV': '"production"' },
  }).finally(() => {
    // esbuild's service process would stay for the server's life holding ~140 MB of caches (measured)
    // for a build that never runs again. Only this build uses it (tsx transforms synchronously, and
    // esbuild starts what it needs again on the next call), so it goes now.
    void stop();
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const style = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!script || !style) throw new Error(`the IDE build produced ${result.outputFiles.map((f) => f.path).join(', ')}`);
  return {
    script: await asset('text/javascript; charset=utf-8', script.contents),
    style: await asset('text/css; charset=utf-8', style.contents),
  };
}

let built: Promise<IdeAssets> | null = null;

/**
 * The assets, built on the first call and shared by every server in the process (they depend on
 * nothing but the installed packages). A failed build is not kept: the next call tries again.
 */
export function ideAssets(): Promise<IdeAssets> {
  built ??= buildIdeAssets().catch((err: unknown) => {
    built = null;
    throw err;
  });
  return built;
}

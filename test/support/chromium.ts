// Where the browser tests find Chromium, and what they do on a machine without one: `npm test` on
// a fresh machine skips them with one line saying how to run them; CI (CI set) fails instead, so a
// missing browser never passes unnoticed there. Pure, so its rules are unit-tested
// (test/support/chromium.test.ts); vitest's globalSetup (browser-tests-setup.ts) applies it once.
import { accessSync, constants, statSync } from 'node:fs';

/** Where Debian, Ubuntu, Fedora, snap and macOS put Chromium or Chrome, in the order tried. */
export const USUAL_CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export const HOW_TO_GET_CHROMIUM = 'install Chromium (apt-get install -y chromium) or set CHROMIUM_PATH to its executable';

export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export interface ChromiumSearch {
  env: Readonly<Record<string, string | undefined>>;
  /** Defaults to USUAL_CHROMIUM_PATHS; tests pass their own. */
  usualPaths?: readonly string[];
  isExecutable?: (path: string) => boolean;
}

/**
 * CHROMIUM_PATH when it is set, and then only it: a wrong CHROMIUM_PATH is reported, not quietly
 * replaced by another browser. Otherwise the first usual path that is an executable file; null if none.
 */
export function findChromium({ env, usualPaths = USUAL_CHROMIUM_PATHS, isExecutable = isExecutableFile }: ChromiumSearch): string | null {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) return isExecutable(chosen) ? chosen : null;
  return usualPaths.find((path) => isExecutable(path)) ?? null;
}

/** CI as most tools read it: set, and not empty, "0" or "false". */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

export type BrowserTests =
  | { run: true; chromiumPath: string }
  | { run: false; fail: boolean; message: string };

export function planBrowserTests(search: ChromiumSearch): BrowserTests {
  const chromiumPath = findChromium(search);
  if (chromiumPath) return { run: true, chromiumPath };
  const chosen = search.env.CHROMIUM_PATH;
  const missing = chosen ? `CHROMIUM_PATH (${chosen}) is not an executable file` : 'no Chromium found';
  return isCi(search.env)
    ? { run: false, fail: true, message: `browser tests cannot run in CI: ${missing}; ${HOW_TO_GET_CHROMIUM}` }
    : { run: false, fail: false, message: `browser tests skipped: ${missing}; ${HOW_TO_GET_CHROMIUM}` };
}

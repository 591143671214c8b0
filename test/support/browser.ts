// For test files that drive a real headless Chromium (playwright-core with the system's browser; it
// downloads none): which Chromium, whether to skip, and how it is launched.
import { chromium, type Browser } from 'playwright-core';
import { inject } from 'vitest';

/**
 * The Chromium to drive, or null when this run skips the browser tests (no browser, not CI). In CI
 * a missing browser throws here, which fails the test file with the reason.
 */
export function chromiumForTests(): string | null {
  const plan = inject('browserTests');
  if (plan.run) return plan.chromiumPath;
  if (plan.fail) throw new Error(plan.message);
  return null;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // No name resolves except localhost: a page that reached for another host fails on this
      // machine instead of sending anything out.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
}

// `npm test` on a fresh machine, one without Chromium: the browser tests are skipped with one line
// that says how to run them and the run passes; with CI set, the same run fails. Runs vitest itself
// on the offer page's browser tests with CHROMIUM_PATH pointing nowhere (support/chromium.ts).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

function vitestWithoutChromium(ci: boolean): Promise<{ code: number | null; output: string }> {
  const env: Record<string, string | undefined> = {};
  // The inner run is a fresh `npm test`: none of this worker's vitest state, CI only when asked.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('VITEST') && key !== 'CI') env[key] = value;
  Object.assign(env, { CHROMIUM_PATH: '/nowhere/chromium', NO_COLOR: '1', FORCE_COLOR: '0' }, ci ? { CI: 'true' } : {});
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/vitest.config.ts', 'test/e2e/offer-page.test.ts'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('the browser tests on a machine without Chromium', () => {
  it('are skipped with one line saying how to run them, and the run passes; in CI the run fails', async () => {
    const [fresh, ci] = await Promise.all([vitestWithoutChromium(false), vitestWithoutChromium(true)]);

    expect(fresh.output.split('\n').filter((line) => line.includes('browser tests skipped'))).toEqual([
      'browser tests skipped: CHROMIUM_PATH (/nowhere/chromium) is not an executable file; install Chromium (apt-get install -y chromium) or set CHROMIUM_PATH to its executable',
    ]);
    expect(fresh.output).toMatch(/Tests\s+7 skipped \(7\)/);
    expect(fresh.code).toBe(0);

    expect(ci.output).toContain('browser tests cannot run in CI: CHROMIUM_PATH (/nowhere/chromium) is not an executable file');
    expect(ci.output).not.toMatch(/skipped/);
    expect(ci.code).toBe(1);
  }, 90_000);
});

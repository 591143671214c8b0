// The rules by which the browser tests find Chromium or are skipped (support/chromium.ts), with the
// usual paths and the file system replaced: which browser is chosen, and when a missing one skips
// (a developer's fresh machine) or fails (CI).
import { describe, expect, it } from 'vitest';
import { findChromium, isCi, isExecutableFile, planBrowserTests, USUAL_CHROMIUM_PATHS } from './chromium.js';

const usualPaths = ['/usual/chromium', '/usual/chrome'];
const onDisk = (...paths: string[]) => (path: string) => paths.includes(path);

describe('finding Chromium', () => {
  it('CHROMIUM_PATH is used when it is an executable, before any usual path', () => {
    expect(findChromium({ env: { CHROMIUM_PATH: '/opt/c/chrome' }, usualPaths, isExecutable: onDisk('/opt/c/chrome', '/usual/chromium') }))
      .toBe('/opt/c/chrome');
  });

  it('a CHROMIUM_PATH that points nowhere finds nothing, even when a usual path has a browser', () => {
    expect(findChromium({ env: { CHROMIUM_PATH: '/nowhere' }, usualPaths, isExecutable: onDisk('/usual/chromium') })).toBeNull();
  });

  it('without CHROMIUM_PATH (or with it empty) the first usual path that exists is used', () => {
    expect(findChromium({ env: {}, usualPaths, isExecutable: onDisk('/usual/chrome') })).toBe('/usual/chrome');
    expect(findChromium({ env: { CHROMIUM_PATH: '' }, usualPaths, isExecutable: onDisk('/usual/chromium', '/usual/chrome') })).toBe('/usual/chromium');
    expect(findChromium({ env: {}, usualPaths, isExecutable: onDisk() })).toBeNull();
  });

  it('the usual paths start with Debian\'s and Ubuntu\'s and Chrome\'s', () => {
    expect(USUAL_CHROMIUM_PATHS.slice(0, 3)).toEqual(['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']);
  });

  it('only an executable file counts: not a folder, not a missing file, not a plain file', () => {
    expect(isExecutableFile(process.execPath)).toBe(true);
    expect(isExecutableFile('/usr')).toBe(false);
    expect(isExecutableFile('/nowhere/chromium')).toBe(false);
    expect(isExecutableFile(new URL(import.meta.url).pathname)).toBe(false);
  });
});

describe('what the browser tests do', () => {
  it('run with the browser found', () => {
    expect(planBrowserTests({ env: { CI: 'true' }, usualPaths, isExecutable: onDisk('/usual/chrome') }))
      .toEqual({ run: true, chromiumPath: '/usual/chrome' });
  });

  it('without a browser and outside CI, are skipped with one line that says how to run them', () => {
    const plan = planBrowserTests({ env: {}, usualPaths, isExecutable: onDisk() });
    expect(plan).toEqual({ run: false, fail: false,
      message: 'browser tests skipped: no Chromium found; install Chromium (apt-get install -y chromium) or set CHROMIUM_PATH to its executable' });
  });

  it('with a wrong CHROMIUM_PATH, say which path is wrong', () => {
    const plan = planBrowserTests({ env: { CHROMIUM_PATH: '/nowhere' }, usualPaths, isExecutable: onDisk('/usual/chromium') });
    expect(plan).toMatchObject({ run: false, fail: false, message: expect.stringContaining('CHROMIUM_PATH (/nowhere) is not an executable file') });
  });

  it('without a browser in CI, fail instead of skipping', () => {
    const plan = planBrowserTests({ env: { CI: 'true', CHROMIUM_PATH: '/nowhere' }, usualPaths, isExecutable: onDisk('/usual/chromium') });
    expect(plan).toEqual({ run: false, fail: true,
      message: 'browser tests cannot run in CI: CHROMIUM_PATH (/nowhere) is not an executable file; install Chromium (apt-get install -y chromium) or set CHROMIUM_PATH to its executable' });
  });

  it('CI counts when set to anything but empty, 0 or false', () => {
    for (const value of ['true', '1', 'yes', 'TRUE', 'github']) expect(isCi({ CI: value }), value).toBe(true);
    for (const value of [undefined, '', '0', 'false', 'False']) expect(isCi({ CI: value }), String(value)).toBe(false);
  });
});

// The Node.js options the server runs with (src/server/node-options.ts): `npm start` passes every one,
// and a server started without them says so in its start log.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingNodeOptions, SERVER_NODE_OPTIONS, TS_LOADER } from '../../src/server/node-options.js';

describe('the server\'s Node.js options', () => {
  it('npm start passes each of them, before the entry point', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const start = (pkg.scripts.start ?? '').split(/\s+/);
    expect(start[0]).toBe('node');
    const entry = start.indexOf('src/main.ts');
    expect(entry).toBeGreaterThan(0);
    for (const option of SERVER_NODE_OPTIONS) expect(start.slice(0, entry)).toContain(option);
  });

  it('npm start loads the TypeScript with the same loader the tests and benchmarks start the server with (tsx\'s ESM hooks only)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    const start = (pkg.scripts.start ?? '').split(/\s+/);
    const entry = start.indexOf('src/main.ts');
    const loader = start.indexOf(TS_LOADER[0] as string);
    expect(loader).toBeGreaterThan(0);
    expect(start.slice(loader, loader + TS_LOADER.length)).toEqual([...TS_LOADER]);
    expect(loader + TS_LOADER.length).toBeLessThanOrEqual(entry);
    // Not tsx's CommonJS hook besides: every `require` at run time would go through its resolver again.
    expect(start).not.toContain('tsx');
  });

  it('names the options a process was started without, whether they came on the command line or in NODE_OPTIONS', () => {
    expect(missingNodeOptions([], '')).toEqual([...SERVER_NODE_OPTIONS]);
    expect(missingNodeOptions([...TS_LOADER, ...SERVER_NODE_OPTIONS], '')).toEqual([]);
    expect(missingNodeOptions([...TS_LOADER], SERVER_NODE_OPTIONS.join(' '))).toEqual([]);
    // Another value of an option counts as given: the operator chose it.
    expect(missingNodeOptions(['--v8-pool-size=3'], '')).toEqual(SERVER_NODE_OPTIONS.filter((o) => !o.startsWith('--v8-pool-size')));
  });
});

// The README's walk-through runs as written (issue 14 point 6). Every fenced `sh` block of its "API"
// and "Writing a client" sections is run, in order, in one bash shell (as a newcomer pasting them
// into one terminal would), against a real server started the way the README says (its `console`
// block's BOOTSTRAP_ADMIN_TOKEN) on a free port, reached through the README's own LEADRACE_URL.
// Every command must succeed (set -e, pipefail), then the state the walk-through leaves is checked.
//
// One substitution: `npm install <packages>` in the client project does not download. A stand-in
// `npm` first on PATH checks that each package named is one this repository installs, at the major
// version the README gives, and links the repository's node_modules into the client project; every
// other npm command is the real npm. The rest (codegen against the server's URL, tsc, the client run
// by tsx over HTTP and graphql-ws) is real. SHOW_WALKTHROUGH=1 prints what the shell printed.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAllChildren, startChild } from '../support/child-server.js';
import { sdkFor } from '../support/server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The fenced blocks of a language in a text, in order. */
const fenced = (text: string, lang: string): string[] =>
  [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1] ?? '');

const walkthrough = section('API') + section('Writing a client');
const blocks = fenced(walkthrough, 'sh');
const startCommand = fenced(walkthrough, 'console').find((b) => b.includes('npm start')) ?? '';
const bootstrapToken = /BOOTSTRAP_ADMIN_TOKEN=(\S+)/.exec(startCommand)?.[1];

/** Each dependency's installed version, as the client project would get it from the registry. */
function installedVersion(name: string): string | null {
  const manifest = join(ROOT, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : null;
}

/** The stand-in npm: `install` checks the packages and links node_modules; anything else is npm. */
function writeNpmStandIn(binDir: string, realNpm: string): void {
  const script = join(binDir, 'npm');
  writeFileSync(script, `#!/usr/bin/env bash
if [ "$1" != install ]; then exec ${JSON.stringify(realNpm)} "$@"; fi
shift
for arg in "$@"; do
  case "$arg" in -*) continue ;; esac
  node -e '
    const [spec, root] = process.argv.slice(1);
    const at = spec.lastIndexOf("@");
    const [name, major] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, null];
    let version;
    try { version = require(root + "/node_modules/" + name + "/package.json").version; } catch { version = null; }
    if (!version) { console.error("npm stand-in: " + name + " is not a dependency of leadrace"); process.exit(1); }
    if (major !== null && version.split(".")[0] !== major) {
      console.error("npm stand-in: the README asks for " + spec + ", leadrace has " + version); process.exit(1);
    }' "$arg" ${JSON.stringify(ROOT)} || exit 1
done
[ -e node_modules ] || ln -s ${JSON.stringify(join(ROOT, 'node_modules'))} node_modules
`);
  chmodSync(script, 0o755);
}

interface Run { code: number | null; stdout: string; stderr: string; blocksDone: number }

/** A walk-through that hangs (a client waiting for an offer that never comes) is stopped after this. */
const RUN_TIMEOUT_MS = 180_000;

/**
 * Runs the blocks in one bash, set -euo pipefail; each block appends its number to `markers` when it
 * completes. The shell gets its own process group, so a hang is ended with whatever it started.
 */
function runBlocks(cwd: string, env: Record<string, string>, markers: string): Promise<Run> {
  const script = ['set -euo pipefail', ...blocks.map((b, i) => `${b}\necho ${i + 1} >> ${JSON.stringify(markers)}`)].join('\n');
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      stderr += `\n(the walk-through was stopped after ${RUN_TIMEOUT_MS / 1000} s)`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const done = existsSync(markers) ? readFileSync(markers, 'utf8').trim().split('\n').filter(Boolean).length : 0;
      resolve({ code, stdout, stderr, blocksDone: done });
    });
  });
}

let work: string;
let url: string;
let run: Run;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'leadrace-readme-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  if (!bootstrapToken) throw new Error('the README walk-through has no `BOOTSTRAP_ADMIN_TOKEN=… npm start` console block');
  await startChild(join(work, 'walkthrough.db'), port, { BOOTSTRAP_ADMIN_TOKEN: bootstrapToken, LOG_LEVEL: 'warn' });
  const binDir = join(work, 'bin');
  mkdirSync(binDir);
  mkdirSync(join(work, 'shell'));
  writeNpmStandIn(binDir, execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  run = await runBlocks(join(work, 'shell'), { LEADRACE_URL: url, PATH: `${binDir}:${process.env.PATH ?? ''}` }, join(work, 'markers'));
  if (process.env.SHOW_WALKTHROUGH) console.log(`${run.stdout}\n--- stderr ---\n${run.stderr}`);
}, 240_000);

afterAll(() => {
  killAllChildren();
  rmSync(work, { recursive: true, force: true });
});

describe("the README's walk-through (API and Writing a client)", () => {
  it('has its blocks where the test looks for them', () => {
    expect(blocks.length).toBeGreaterThan(8);
    expect(walkthrough).toContain('LEADRACE_URL');
    for (const name of ['graphql', 'graphql-request', 'graphql-ws', '@graphql-codegen/cli']) expect(installedVersion(name)).not.toBeNull();
  });

  it('runs every sh block in order, each command exiting 0', () => {
    const where = `stopped after block ${run.blocksDone} of ${blocks.length} (exit ${String(run.code)}):\n`
      + `--- the next block ---\n${blocks[run.blocksDone] ?? ''}\n--- stdout ---\n${run.stdout.slice(-3000)}\n--- stderr ---\n${run.stderr.slice(-3000)}`;
    expect(run.code, where).toBe(0);
    expect(run.blocksDone, where).toBe(blocks.length);
  });

  it('leaves what it says: the three leads assigned to the agent, one taken live and one on connecting; her revoked token refused', async () => {
    const admin = sdkFor(url, bootstrapToken);
    const ana = (await admin.Users()).users.find((u) => u.name === 'Ana Díaz');
    expect(ana).toBeDefined();
    const leads = (await admin.Leads({ first: 10 })).leads.edges.map((e) => e.node);
    expect(leads.map((l) => [l.state, l.owner?.id])).toEqual([['ASSIGNED', ana?.id], ['ASSIGNED', ana?.id], ['ASSIGNED', ana?.id]]);
    const tokens = (await admin.ApiTokens({ userId: ana?.id ?? '' })).apiTokens;
    expect(tokens.map((t) => t.label)).toEqual(['Ana phone']);
    expect(tokens[0]?.lastUsedAt).not.toBeNull();
    // The client said which offer it took, with the contact details it won.
    expect(run.stdout).toMatch(/accepted offer \d+ \(live\): Leo <leo@example\.com>/);
    expect(run.stdout).toMatch(/accepted offer \d+ \(pending when connected\): Ivy \+15125550188/);
    // The revoked token's request was refused.
    expect(run.stdout).toContain('"code":"UNAUTHENTICATED"');
    // The SDK generated from the server's URL maps DateTimeISO to string.
    expect(readFileSync(join(work, 'shell', 'leadrace-client', 'src', 'sdk.ts'), 'utf8')).toMatch(/expiresAt: string/);
  });
});

// Command-line options of the form --name=value (or --name value); unknown names are an error so
// that a typo does not silently run the default.
export class Args {
  private readonly values = new Map<string, string>();
  private readonly known = new Set<string>();

  constructor(argv: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] ?? '';
      if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (options are --name=value)`);
      const eq = a.indexOf('=');
      if (eq > 0) this.values.set(a.slice(2, eq), a.slice(eq + 1));
      else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--')) { this.values.set(a.slice(2), next); i++; }
        else this.values.set(a.slice(2), 'true');
      }
    }
  }

  num(name: string, fallback: number): number {
    this.known.add(name);
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number, got "${raw}"`);
    return v;
  }

  str(name: string, fallback: string): string {
    this.known.add(name);
    return this.values.get(name) ?? fallback;
  }

  /** Names options read later (by code that runs after the check). */
  declare(names: readonly string[]): void {
    for (const n of names) this.known.add(n);
  }

  /** Throws on options nobody asked for. Call after every option was read or declared. */
  checkUnknown(): void {
    const unknown = [...this.values.keys()].filter((k) => !this.known.has(k));
    if (unknown.length) throw new Error(`unknown option(s): ${unknown.map((k) => `--${k}`).join(', ')}`);
  }
}

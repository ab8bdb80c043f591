/**
 * The closing table every fault suite prints: what it tried (by category) and what came of it
 * (by outcome), with counts, plus free-form notes (seed, margins, measurements). Printed even
 * when the suite fails, so a red run still says how far it got.
 */
export class FaultReport {
  private readonly rows = new Map<string, Map<string, number>>();
  private readonly notes: string[] = [];
  private readonly findings: string[] = [];

  constructor(readonly suite: string) {}

  /** Counts one (or `n`) tries of `category` that ended in `outcome`. */
  count(category: string, outcome: string, n = 1): void {
    let row = this.rows.get(category);
    if (!row) {
      row = new Map();
      this.rows.set(category, row);
    }
    row.set(outcome, (row.get(outcome) ?? 0) + n);
  }

  /** A line printed under the table (seed, measured numbers, margins). */
  note(line: string): void {
    this.notes.push(line);
  }

  /** Something wrong that was found; printed under the table and counted. */
  finding(line: string): void {
    this.findings.push(line);
  }

  get findingCount(): number {
    return this.findings.length;
  }

  total(category?: string): number {
    let n = 0;
    for (const [c, row] of this.rows) if (category === undefined || c === category) for (const v of row.values()) n += v;
    return n;
  }

  /** The table as text. */
  render(): string {
    const lines: Array<[string, string, string]> = [['category', 'outcome', 'count']];
    const byOutcome = new Map<string, number>();
    for (const [category, row] of [...this.rows].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [outcome, n] of [...row].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push([category, outcome, String(n)]);
        byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + n);
      }
    }
    const totals = [...byOutcome].sort(([a], [b]) => a.localeCompare(b)).map(([o, n]): [string, string, string] => ['(all)', o, String(n)]);
    totals.push(['(all)', '(total)', String(this.total())]);
    const all = [...lines, ...totals];
    const w = [0, 1, 2].map((i) => Math.max(...all.map((l) => l[i as 0 | 1 | 2].length)));
    const fmt = (l: [string, string, string]) => `  ${l[0].padEnd(w[0] ?? 0)}  ${l[1].padEnd(w[1] ?? 0)}  ${l[2].padStart(w[2] ?? 0)}`;
    const rule = `  ${'-'.repeat((w[0] ?? 0) + (w[1] ?? 0) + (w[2] ?? 0) + 4)}`;
    const out = [`\n  ${this.suite}: closing table`, rule, fmt(lines[0] as [string, string, string]), rule, ...lines.slice(1).map(fmt), rule, ...totals.map(fmt), rule];
    for (const n of this.notes) out.push(`  note: ${n}`);
    out.push(`  findings: ${this.findings.length}`);
    for (const f of this.findings) out.push(`  ! ${f}`);
    return out.join('\n');
  }

  print(): void {
    console.log(this.render());
  }
}

/** FAULTS_SCALE (default 1) scales the counts of every suite; never below one try. */
export function scaled(n: number): number {
  const raw = Number(process.env.FAULTS_SCALE ?? '1');
  const scale = Number.isFinite(raw) && raw > 0 ? raw : 1;
  return Math.max(1, Math.round(n * scale));
}

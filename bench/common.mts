/** Shared pieces of `npm run bench`: the app under test, percentiles, the result table, the machine. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type App, startApp } from '../src/app.js';
import { SettingsStore } from '../src/config/index.js';
import { createLogger } from '../src/log.js';

export const QUICK = process.env.BENCH_QUICK === '1';

/** A number from the environment, else the quick or the full default. */
export function envNumber(name: string, full: number, quick: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : full;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not ${raw}`);
  return n;
}

/** The real app in this process, on a free loopback port, with its folders under `root`. */
export async function makeApp(root: string, extra: Record<string, unknown> = {}): Promise<{ app: App; media: string }> {
  const media = join(root, 'media');
  await mkdir(media, { recursive: true });
  const settings = SettingsStore.fromValues({}, { media_paths: [media], temp_path: join(root, 'temp'), port: 0, host: '127.0.0.1', ...extra }, join(root, 'data'), root);
  return { app: await startApp({ settings, log: createLogger('silent') }), media };
}

/** Nearest-rank percentile. */
export const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
};
export const ms = (n: number) => `${n.toFixed(2)} ms`;
export const secs = (n: number) => `${(n / 1000).toFixed(2)} s`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** One line of the table. `ratio` is measured ÷ goal (or the goal's own ratio); `met` is undefined for figures without a goal. */
export interface Row {
  part: string;
  figure: string;
  value: string;
  goal?: string;
  ratio?: number;
  met?: boolean;
  note?: string;
}

export class Table {
  readonly rows: Row[] = [];

  add(row: Row): void {
    this.rows.push(row);
    const goal = row.goal ? `   goal ${row.goal}: ${row.met ? 'met' : 'MISSED'}${row.ratio === undefined ? '' : ` (ratio ${row.ratio.toFixed(3)})`}` : '';
    console.log(`  ${row.figure.padEnd(44)} ${row.value}${goal}${row.note ? `   — ${row.note}` : ''}`);
  }

  /** A goal row: `measured` against `limit`, met when `measured ≤ limit` (or `<` when `strict`). */
  goal(part: string, figure: string, value: string, measured: number, limit: number, goal: string, o: { strict?: boolean; ratio?: number; note?: string } = {}): void {
    const met = o.strict ? measured < limit : measured <= limit;
    this.add({ part, figure, value, goal, ratio: o.ratio ?? measured / limit, met, ...(o.note ? { note: o.note } : {}) });
  }

  markdown(): string {
    const esc = (s: string) => s.replaceAll('|', '\\|');
    const lines = ['| Part | Figure | Measured | Goal | Ratio | Met |', '|---|---|---|---|---|---|'];
    for (const r of this.rows) {
      const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
      const value = r.note ? `${r.value} (${r.note})` : r.value;
      lines.push(`| ${esc(r.part)} | ${esc(r.figure)} | ${esc(value)} | ${esc(r.goal ?? '')} | ${r.ratio === undefined ? '' : r.ratio.toFixed(3)} | ${met} |`);
    }
    return lines.join('\n');
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  load: [number, number, number];
  ffmpeg: string;
  date: string;
}

export async function machine(): Promise<Machine> {
  const list = cpus();
  let ffmpeg = 'unknown';
  try {
    const { execFileSync } = await import('node:child_process');
    ffmpeg = execFileSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0] ?? ffmpeg;
  } catch {
    // not fatal: the parts that need ffmpeg fail with their own message
  }
  // A container's limit, when it has one, is what the benchmark really gets.
  const limit = await readFile('/sys/fs/cgroup/memory.max', 'utf8').then((s) => Number(s.trim()), () => Number.NaN);
  const ram = Number.isFinite(limit) && limit < totalmem() ? limit : totalmem();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramGiB: ram / 2 ** 30,
    node: process.version,
    load: loadavg().map((x) => Number(x.toFixed(2))) as [number, number, number],
    ffmpeg,
    date: new Date().toISOString(),
  };
}

export const describeMachine = (m: Machine) =>
  `${m.cpu}, ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, node ${m.node}, ${m.ffmpeg}; load average at start ${m.load.join(' / ')} (1/5/15 min)`;

/** Resident memory of a process from /proc (VmRSS now, VmHWM the peak), in bytes. */
export async function processMemory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/**
 * The service as its own process, as `npm start` runs it: dist/main.js when built (`npm run bench`
 * builds first), else src/main.ts through tsx (slower to start: it compiles on the way).
 */
export function spawnService(args: string[], cwd: string): { child: ChildProcess; output: () => string; compiled: boolean } {
  const dist = join(process.cwd(), 'dist', 'main.js');
  const compiled = existsSync(dist);
  const entry = compiled
    ? [dist]
    : ['--import', pathToFileURL(join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(process.cwd(), 'src', 'main.ts')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out, compiled };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Polls until `test` passes or `timeoutMs` runs out. */
export async function until(test: () => boolean | Promise<boolean>, what: string, timeoutMs: number, everyMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

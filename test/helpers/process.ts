import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The child may run in another folder, where the bare name `tsx` would not resolve.
const TSX = pathToFileURL(join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `src/main.ts` as a real process, as `npm start` would run dist/main.js. */
export function startProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const child = spawn(process.execPath, ['--import', TSX, join(process.cwd(), 'src', 'main.ts'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Pids (not ours) whose command line mentions `text` (read from /proc, so no `ps` is needed). */
export async function processesMentioning(text: string): Promise<Array<{ pid: number; args: string }>> {
  const out: Array<{ pid: number; args: string }> = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (args.includes(text)) out.push({ pid: Number(entry), args });
  }
  return out;
}

/** ffmpeg processes on this machine with an argument ending in `/name` (their input or output file). */
export async function encodesOf(name: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if ((args[0] ?? '').split('/').pop() === 'ffmpeg' && args.some((a) => a.endsWith(`/${name}`))) n += 1;
  }
  return n;
}

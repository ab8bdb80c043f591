import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * D20, nothing we start outlives us: on Linux every ffmpeg/ffprobe is started through util-linux's
 * `setpriv --pdeathsig KILL`, which asks the kernel to kill the child when this process dies, even
 * by SIGKILL (a closed progress pipe alone does not stop ffmpeg: it finishes the whole encode).
 * setpriv sets the flag and then execs the real program, so the pid, signals and exit code are the
 * program's own. Without setpriv (macOS, a minimal image) children start directly, and the startup
 * sweep below is what stops an orphan.
 */
export interface ChildWrapper {
  (file: string, args: readonly string[]): [string, string[]];
  /** The setpriv in use, or undefined when children start directly. */
  readonly setpriv: string | undefined;
}

function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function childWrapper(o: { platform?: NodeJS.Platform; path?: string | undefined; setpriv?: string | null } = {}): ChildWrapper {
  const platform = o.platform ?? process.platform;
  const setpriv = o.setpriv === null ? undefined : (o.setpriv ?? (platform === 'linux' ? findOnPath('setpriv', o.path ?? process.env.PATH) : undefined));
  const wrap = (file: string, args: readonly string[]): [string, string[]] => (setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, [...args]]);
  return Object.assign(wrap, { setpriv });
}

/** The wrapper for this process, found once. */
export const dieWithUs: ChildWrapper = childWrapper();

/**
 * Processes (other than this one) whose command line names a file under `dir` that `isOurs`
 * accepts: encoders and probes a crashed run of this instance left running (Linux /proc only).
 */
export async function findOrphans(dir: string, isOurs: (name: string) => boolean): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline) continue;
    const args = cmdline.split('\0');
    if (args.some((arg) => arg.startsWith(prefix) && !arg.slice(prefix.length).includes('/') && isOurs(arg.slice(prefix.length)))) found.push(Number(entry));
  }
  return found;
}

/** Kills what `findOrphans` found; returns the pids signalled. */
export async function killOrphans(dir: string, isOurs: (name: string) => boolean): Promise<number[]> {
  const pids = await findOrphans(dir, isOurs);
  const killed: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Gone already, or not ours to signal.
    }
  }
  return killed;
}

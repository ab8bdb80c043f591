import { lstat, opendir, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { createLimiter } from './limit.js';

/** upstream's states: never counted, up to date, changed since (old values shown), last count failed. */
export type CountsState = 'unknown' | 'ready' | 'stale' | 'error';

/** A folder's own identity and last change; a file added or removed inside it changes mtime/ctime. */
export interface DirSig {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

export const dirSig = (s: DirSig): DirSig => ({ dev: s.dev, ino: s.ino, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs });
const differs = (a: DirSig, b: DirSig) => a.dev !== b.dev || a.ino !== b.ino || a.mtimeMs !== b.mtimeMs || a.ctimeMs !== b.ctimeMs;

export interface CountsView {
  file_count: number;
  total_size: number;
  counts_state: CountsState;
  counts_updated_at: string | null;
  counts_error?: string;
}

interface Entry {
  fileCount: number;
  totalSize: number;
  state: CountsState;
  updatedAt: number | null;
  error?: string;
  sig?: DirSig;
  /** Epoch of the last invalidation: a walk that started earlier can't make this entry ready. */
  invalidatedAt: number;
}

export interface FolderCountsDeps {
  /** Whether a (non-hidden) file name counts as a video. */
  isCounted: (name: string) => boolean;
  now?: () => number;
  /** Folder walks at once (gentle on network shares). */
  concurrency?: number;
  /** Ready counts older than this are refreshed when next viewed: a change deep down doesn't touch the top folder. */
  maxAgeMs?: number;
}

/**
 * Recursive video counts and sizes per folder, computed in the background: a view never waits for
 * a walk. One walk of a folder records every folder below it, so browsing deeper is instant. Last
 * known values stay visible while a folder is stale or failed.
 */
export class FolderCounts {
  private readonly d: FolderCountsDeps;
  private readonly entries = new Map<string, Entry>();
  private readonly queued = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly listeners = new Set<(dir: string, view: CountsView) => void>();
  private epoch = 0;
  private closed = false;

  constructor(deps: FolderCountsDeps) {
    this.d = deps;
    this.limit = createLimiter(deps.concurrency ?? 2);
  }

  /** The counts of `dir` right now; `sig` (from the caller's stat) detects a changed folder. Schedules a count when not ready. */
  view(dir: string, sig?: DirSig): CountsView {
    let entry = this.entries.get(dir);
    if (!entry) {
      entry = { fileCount: 0, totalSize: 0, state: 'unknown', updatedAt: null, invalidatedAt: 0 };
      this.entries.set(dir, entry);
    }
    const now = this.now();
    const changed = sig !== undefined && entry.sig !== undefined && differs(entry.sig, sig);
    const old = entry.updatedAt !== null && now - entry.updatedAt > (this.d.maxAgeMs ?? 10 * 60_000);
    if (entry.state === 'ready' && (changed || old)) this.invalidate(dir);
    if (entry.state !== 'ready') this.schedule(dir);
    return viewOf(entry);
  }

  /** Called with a folder's counts whenever they change (a count finished or failed, a folder went stale). */
  onChange(listener: (dir: string, view: CountsView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something in `dir` changed: it and every folder above it are stale (values kept). */
  invalidate(dir: string): void {
    const at = ++this.epoch;
    for (let path = dir; ; path = dirname(path)) {
      const entry = this.entries.get(path);
      if (entry) this.markStale(path, entry, at);
      if (dirname(path) === path) break;
    }
  }

  /** `dir`, every folder above it and every known folder below it are stale (a reconcile). */
  invalidateTree(dir: string): void {
    this.invalidate(dir);
    const at = this.epoch;
    for (const [path, entry] of this.entries) if (isBelow(path, dir)) this.markStale(path, entry, at);
  }

  /** Every known folder is stale; each is recounted when next viewed. */
  invalidateAll(): void {
    const at = ++this.epoch;
    for (const [path, entry] of this.entries) this.markStale(path, entry, at);
  }

  /** The last known counts of the folders directly inside `dir` (those viewed or walked so far). */
  children(dir: string): Array<{ path: string } & CountsView> {
    const out: Array<{ path: string } & CountsView> = [];
    for (const [path, entry] of this.entries) if (path !== dir && dirname(path) === dir) out.push({ path, ...viewOf(entry) });
    return out;
  }

  /** Resolves when no count is queued or running (tests). */
  async idle(): Promise<void> {
    while (this.queued.size > 0 || this.running.size > 0) {
      await Promise.all(this.running.values());
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queued.clear();
    await Promise.all(this.running.values());
  }

  private markStale(path: string, entry: Entry, at: number): void {
    entry.invalidatedAt = at;
    if (entry.state !== 'ready') return;
    entry.state = 'stale';
    this.changed(path, entry);
  }

  private changed(dir: string, entry: Entry): void {
    if (this.listeners.size === 0) return;
    const view = viewOf(entry);
    for (const listener of this.listeners) listener(dir, view);
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  /** A walk of `dir` or of a folder above it, queued or running, will cover `dir`. */
  private covered(dir: string): boolean {
    for (let path = dir; ; path = dirname(path)) {
      if (this.queued.has(path) || this.running.has(path)) return true;
      if (dirname(path) === path) return false;
    }
  }

  private schedule(dir: string): void {
    if (this.closed || this.covered(dir)) return;
    // Queued walks below `dir` are now redundant; their turn will find them dropped.
    for (const other of this.queued) if (isBelow(other, dir)) this.queued.delete(other);
    this.queued.add(dir);
    void this.limit(async () => {
      if (!this.queued.delete(dir) || this.closed) return;
      const run = this.walk(dir, this.epoch).then(() => undefined);
      this.running.set(dir, run);
      await run;
      this.running.delete(dir);
      // Changed while we walked: count again with what is there now.
      if (this.entries.get(dir)?.state === 'stale') this.schedule(dir);
    });
  }

  /** Post-order walk: records every folder it finishes. Hidden entries and symlinks are not followed. */
  private async walk(dir: string, startedAt: number): Promise<{ count: number; size: number } | undefined> {
    let count = 0;
    let size = 0;
    let sig: DirSig;
    try {
      sig = dirSig(await stat(dir));
      const handle = await opendir(dir);
      for await (const entry of handle) {
        if (this.closed) return undefined;
        if (entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          const sub = await this.walk(path, startedAt);
          count += sub?.count ?? 0;
          size += sub?.size ?? 0;
        } else if (entry.isFile() && this.d.isCounted(entry.name)) {
          const info = await lstat(path).catch(() => undefined);
          if (info) {
            count += 1;
            size += info.size;
          }
        }
      }
    } catch (error) {
      this.fail(dir, error);
      return undefined;
    }
    this.record(dir, count, size, sig, startedAt);
    return { count, size };
  }

  private record(dir: string, count: number, size: number, sig: DirSig, startedAt: number): void {
    const entry = this.entries.get(dir) ?? { fileCount: 0, totalSize: 0, state: 'unknown', updatedAt: null, invalidatedAt: 0 };
    Object.assign(entry, { fileCount: count, totalSize: size, sig, updatedAt: this.now() });
    delete entry.error;
    entry.state = entry.invalidatedAt > startedAt ? 'stale' : 'ready';
    this.entries.set(dir, entry);
    this.changed(dir, entry);
  }

  private fail(dir: string, error: unknown): void {
    const entry = this.entries.get(dir) ?? { fileCount: 0, totalSize: 0, state: 'unknown', updatedAt: null, invalidatedAt: 0 };
    entry.state = 'error';
    entry.error = (error as Error).message;
    this.entries.set(dir, entry);
    this.changed(dir, entry);
  }
}

const isBelow = (path: string, dir: string): boolean => path !== dir && path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

function viewOf(e: Entry): CountsView {
  const view: CountsView = {
    file_count: e.fileCount,
    total_size: e.totalSize,
    counts_state: e.state,
    counts_updated_at: e.updatedAt === null ? null : new Date(e.updatedAt).toISOString(),
  };
  if (e.error) view.counts_error = e.error;
  return view;
}

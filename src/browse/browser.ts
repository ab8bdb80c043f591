import type { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import type { QueueView } from '../jobs/actions.js';
import { mapLimit } from '../media/discover.js';
import { isCandidateVideo, isHidden, TEMP_FILE_PATTERN } from '../media/files.js';
import type { ProbeResult } from '../media/probe-parse.js';
import { isInside } from '../media/roots.js';
import { type CountsState, type CountsView, dirSig, FolderCounts } from './folder-counts.js';
import { BrowseFeed } from './live.js';
import { resolveBrowsePath } from './paths.js';
import { ProbeCache } from './probe-cache.js';
import type { VideoInfo } from './video-info.js';

/** One row of GET /api/browse (upstream-behaviour §9). Files carry zero counts and no state. */
export interface BrowseEntry {
  name: string;
  path: string;
  is_dir: boolean;
  size: number;
  mod_time: string;
  video_info?: VideoInfo;
  file_count: number;
  total_size: number;
  counts_state?: CountsState;
  counts_updated_at?: string | null;
  counts_error?: string;
}

export interface BrowseResult {
  /** The real path listed; `""` for the list of media roots. */
  path: string;
  /** Absent on the roots list; `""` (the roots list) on a root. */
  parent?: string;
  entries: BrowseEntry[];
  /** Recursive video count and size of this folder (of all roots on the roots list). */
  video_count: number;
  total_size: number;
  counts_state: CountsState;
}

export interface BrowserDeps {
  roots: () => readonly string[];
  probe: (path: string, signal: AbortSignal) => Promise<ProbeResult>;
  now?: () => number;
  /** How long a request waits for probes; the rest finish in the background for the next visit. */
  probeWaitMs?: number;
  probeConcurrency?: number;
  countsConcurrency?: number;
  countsMaxAgeMs?: number;
}

const visible = (name: string) => !isHidden(name) && !TEMP_FILE_PATTERN.test(name);

/** GET /api/browse: listing, probe cache and folder counts, confined to the media roots (D17). */
export class Browser {
  readonly probes: ProbeCache;
  readonly counts: FolderCounts;
  /** Live counts and re-probed files for GET /api/browse/stream. */
  readonly feed = new BrowseFeed();
  private readonly d: BrowserDeps;

  constructor(deps: BrowserDeps) {
    this.d = deps;
    this.probes = new ProbeCache({ probe: deps.probe, ...(deps.probeConcurrency ? { concurrency: deps.probeConcurrency } : {}) });
    this.counts = new FolderCounts({
      isCounted: (name) => isCandidateVideo(name),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.countsConcurrency ? { concurrency: deps.countsConcurrency } : {}),
      ...(deps.countsMaxAgeMs ? { maxAgeMs: deps.countsMaxAgeMs } : {}),
    });
    this.counts.onChange((dir, view) => this.feed.countsChanged(dir, view));
  }

  /**
   * Lists `path`, or the media roots when no path is given; with exactly one root, that root itself
   * (as upstream), and a root then has no `parent`: there is no list to go up to. 4xx AppError for
   * refused paths.
   */
  async browse(path?: string): Promise<BrowseResult> {
    const roots = this.d.roots();
    if ((path === undefined || path === '') && roots.length !== 1) return this.listRoots();
    const where = await this.folder(path || (roots[0] as string));
    const info = await stat(where.path);
    const entries = await this.listFolder(where.path);
    // Children first: a changed child marks this folder stale before its own counts are read.
    const own = this.counts.view(where.path, dirSig(info));
    return {
      path: where.path,
      ...(where.isRoot && roots.length === 1 ? {} : { parent: where.isRoot ? '' : dirname(where.path) }),
      entries,
      video_count: own.file_count,
      total_size: own.total_size,
      counts_state: own.counts_state,
    };
  }

  /** The configured media roots. */
  roots(): readonly string[] {
    return this.d.roots();
  }

  /**
   * The folder a browse request means: `undefined` for the list of roots (several roots, no path),
   * else the real path of a folder inside them. 4xx AppError for anything else.
   */
  async folder(path: string): Promise<{ path: string; isRoot: boolean }>;
  async folder(path: string | undefined): Promise<{ path: string; isRoot: boolean } | undefined>;
  async folder(path: string | undefined): Promise<{ path: string; isRoot: boolean } | undefined> {
    const roots = this.d.roots();
    if (path === undefined || path === '') {
      if (roots.length !== 1) return undefined;
      path = roots[0] as string;
    }
    const where = await resolveBrowsePath(path, roots);
    if (!where.ok) throw new AppError(where.status, where.status === 403 ? 'forbidden' : 'bad_path', where.message);
    const info = await stat(where.path);
    if (!info.isDirectory()) throw new AppError(400, 'bad_path', 'path is not a folder');
    return { path: where.path, isRoot: where.isRoot };
  }

  /**
   * POST /api/browse/reconcile: count `dir` (every root when undefined) again from the disk; with
   * `recursive`, every folder below it shows as stale until the new count lands. Never waits for it.
   */
  reconcile(dir: string | undefined, recursive: boolean): void {
    const targets = dir === undefined ? this.d.roots() : [dir];
    for (const target of targets) {
      if (recursive) this.counts.invalidateTree(target);
      else this.counts.invalidate(target);
      this.counts.view(target);
    }
  }

  /** POST /api/cache/clear: forget every probe, mark every count stale and recount the roots in the background. */
  clearCache(): void {
    this.probes.clear();
    this.counts.invalidateAll();
    for (const root of this.d.roots()) this.counts.view(root);
  }

  /** A job replaced or wrote `path`: probe it again next time and recount the folders above it. */
  fileChanged(path: string): void {
    this.probes.invalidate(path);
    this.counts.invalidate(dirname(path));
  }

  /** Keeps the caches honest about what finished jobs changed. Returns the unsubscribe function. */
  watch(view: Pick<QueueView, 'subscribe'>): () => void {
    return view.subscribe((event) => {
      if (event.type !== 'complete') return;
      const paths = [event.job.input_path];
      if (event.job.output_path && event.job.output_path !== event.job.input_path) paths.push(event.job.output_path);
      for (const path of paths) {
        this.fileChanged(path);
        if (this.feed.watching(dirname(path))) void this.reprobe(path);
      }
    });
  }

  /** Probes a changed file again for the streams showing its folder (`file_update`). */
  private async reprobe(path: string): Promise<void> {
    const info = await stat(path).catch(() => undefined);
    // A replaced original (`keep` renames it to .old, `replace` deletes it) is gone: the size 0
    // update tells the panel to list the folder again.
    if (!info?.isFile()) return this.feed.fileUpdated(path, undefined, 0);
    const video = isCandidateVideo(path) ? await this.probes.get(path, { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs }) : undefined;
    this.feed.fileUpdated(path, video, info.size);
  }

  async close(): Promise<void> {
    this.probes.close();
    await this.counts.close();
  }

  private async listRoots(): Promise<BrowseResult> {
    const roots = this.d.roots();
    const infos = await Promise.all(roots.map((root) => stat(root).catch(() => undefined)));
    const entries: BrowseEntry[] = [];
    roots.forEach((root, i) => {
      const info = infos[i];
      if (info?.isDirectory()) entries.push({ ...this.baseEntry(root, root, info), ...this.countsOf(root, info) });
    });
    return {
      path: '',
      entries,
      video_count: entries.reduce((n, e) => n + e.file_count, 0),
      total_size: entries.reduce((n, e) => n + e.total_size, 0),
      counts_state: worst(entries.map((e) => e.counts_state ?? 'ready')),
    };
  }

  private async listFolder(dir: string): Promise<BrowseEntry[]> {
    const realRoots = await Promise.all(this.d.roots().map((r) => realpath(r).catch(() => r)));
    const dirents = (await readdir(dir, { withFileTypes: true })).filter((d) => visible(d.name));
    const rows = await mapLimit(dirents, 32, async (dirent) => {
      const path = join(dir, dirent.name);
      if (dirent.isSymbolicLink()) {
        // A link leading out of the media roots is not shown at all: not even its size or date (D17).
        const target = await realpath(path).catch(() => undefined);
        if (target === undefined || !realRoots.some((root) => isInside(root, target))) return undefined;
      }
      const info = await stat(path).catch(() => undefined);
      if (!info || (!info.isDirectory() && !info.isFile())) return undefined;
      return { name: dirent.name, path, info };
    });
    const wait = this.waitForProbes();
    const entries = await Promise.all(
      rows.map(async (row) => {
        if (!row) return undefined;
        const base = this.baseEntry(row.name, row.path, row.info);
        if (row.info.isDirectory()) return { ...base, ...this.countsOf(row.path, row.info) };
        const video = isCandidateVideo(row.path)
          ? await Promise.race([this.probes.get(row.path, { ino: row.info.ino, size: row.info.size, mtimeMs: row.info.mtimeMs }), wait.promise])
          : undefined;
        return { ...base, ...(video ? { video_info: video } : {}), file_count: 0, total_size: 0 };
      }),
    );
    wait.cancel();
    return entries.filter((e): e is BrowseEntry => e !== undefined).sort(byDirThenName);
  }

  private baseEntry(name: string, path: string, info: Stats): Omit<BrowseEntry, 'file_count' | 'total_size'> {
    return { name, path, is_dir: info.isDirectory(), size: info.size, mod_time: info.mtime.toISOString() };
  }

  private countsOf(path: string, info: Stats): CountsView {
    return this.counts.view(path, dirSig(info));
  }

  /** One timer per request, shared by every probe of the listing. */
  private waitForProbes(): { promise: Promise<undefined>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.d.probeWaitMs ?? 15_000);
    });
    return { promise, cancel: () => clearTimeout(timer) };
  }
}

/** Folders first, then a case-insensitive name order (upstream's). */
export function byDirThenName(a: BrowseEntry, b: BrowseEntry): number {
  if (a.is_dir !== b.is_dir) return a.is_dir ? -1 : 1;
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const ORDER: readonly CountsState[] = ['ready', 'stale', 'unknown', 'error'];

/** The state of a sum: as good as its least finished part. */
export function worst(states: readonly CountsState[]): CountsState {
  return states.reduce<CountsState>((acc, s) => (ORDER.indexOf(s) > ORDER.indexOf(acc) ? s : acc), 'ready');
}

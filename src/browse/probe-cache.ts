import { setMaxListeners } from 'node:events';
import type { ProbeResult } from '../media/probe-parse.js';
import { createLimiter } from './limit.js';
import { toVideoInfo, type VideoInfo } from './video-info.js';

/**
 * What identifies one version of a file. All three: a transcode renames a new file into place
 * (new inode) but keeps the original's mtime (D11), and an in-place rewrite keeps the inode.
 */
export interface FileSig {
  ino: number;
  size: number;
  mtimeMs: number;
}

const sameSig = (a: FileSig, b: FileSig) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

interface Cached {
  sig: FileSig;
  /** Absent when the probe failed: a broken file is not probed again until it changes. */
  info?: VideoInfo;
}

export interface ProbeCacheDeps {
  probe: (path: string, signal: AbortSignal) => Promise<ProbeResult>;
  /** Entries kept; the least recently used go first (default 50,000). */
  maxEntries?: number;
  /** Probes at once across all requests (upstream: 16). */
  concurrency?: number;
}

/** Probe results for browsing, valid while the file's signature is unchanged. */
export class ProbeCache {
  private readonly d: ProbeCacheDeps;
  private readonly entries = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<VideoInfo | undefined>>();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly abort = new AbortController();
  private generation = 0;
  private probeCount = 0;

  constructor(deps: ProbeCacheDeps) {
    this.d = deps;
    this.limit = createLimiter(deps.concurrency ?? 16);
    // Every probe in flight (up to `concurrency`) listens on this one signal: not a leak, so no
    // MaxListenersExceededWarning in the log for a cold browse of a big folder.
    setMaxListeners(0, this.abort.signal);
  }

  get size(): number {
    return this.entries.size;
  }

  /** How many ffprobe runs were started (tests, logs). */
  get probes(): number {
    return this.probeCount;
  }

  /** The cached info for this version of the file, probing it when unknown. Never rejects. */
  get(path: string, sig: FileSig): Promise<VideoInfo | undefined> {
    const hit = this.entries.get(path);
    if (hit && sameSig(hit.sig, sig)) {
      this.entries.delete(path);
      this.entries.set(path, hit);
      return Promise.resolve(hit.info);
    }
    if (hit) this.entries.delete(path);
    const key = `${path}\0${sig.ino}:${sig.size}:${sig.mtimeMs}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.probe(path, sig).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  invalidate(path: string): void {
    this.entries.delete(path);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  close(): void {
    this.abort.abort();
  }

  private async probe(path: string, sig: FileSig): Promise<VideoInfo | undefined> {
    const generation = this.generation;
    const result = await this.limit(async (): Promise<{ info?: VideoInfo } | undefined> => {
      if (this.abort.signal.aborted) return undefined;
      this.probeCount += 1;
      return this.d.probe(path, this.abort.signal).then(
        (probe) => ({ info: toVideoInfo(path, probe) }),
        () => ({}),
      );
    });
    if (!result) return undefined;
    // A probe that began before a cache clear may describe what the clear meant to forget.
    if (generation === this.generation) this.store(path, { sig, ...result });
    return result.info;
  }

  private store(path: string, entry: Cached): void {
    this.entries.set(path, entry);
    const max = this.d.maxEntries ?? 50_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

import { stat } from 'node:fs/promises';
import type { ProbeResult } from './probe-parse.js';

interface Entry {
  ino: number;
  size: number;
  mtimeMs: number;
  result: ProbeResult;
}

/**
 * Remembers full probe results between discovery and the job's start, so an unchanged file is not
 * probed twice (a process start each). Valid while inode, size and mtime are the same; bounded.
 */
export class ProbeMemo {
  private readonly entries = new Map<string, Entry>();
  private readonly probe: (path: string, signal?: AbortSignal) => Promise<ProbeResult>;
  private readonly max: number;

  constructor(probe: (path: string, signal?: AbortSignal) => Promise<ProbeResult>, max = 20_000) {
    this.probe = probe;
    this.max = max;
  }

  /** A fresh probe, remembered for later `get`s. */
  async fresh(path: string, signal?: AbortSignal): Promise<ProbeResult> {
    const before = await stat(path);
    const result = await this.probe(path, signal);
    this.entries.delete(path);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(path, { ino: before.ino, size: before.size, mtimeMs: before.mtimeMs, result });
    return result;
  }

  /** The remembered result if the file is unchanged, else a fresh probe. */
  async get(path: string, signal?: AbortSignal): Promise<ProbeResult> {
    const hit = this.entries.get(path);
    if (hit) {
      const now = await stat(path).catch(() => undefined);
      if (now && now.ino === hit.ino && now.size === hit.size && now.mtimeMs === hit.mtimeMs) return hit.result;
    }
    return this.fresh(path, signal);
  }

  forget(path: string): void {
    this.entries.delete(path);
  }
}

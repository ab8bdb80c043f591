import { dirname } from 'node:path';
import type { CountsView } from './folder-counts.js';
import type { VideoInfo } from './video-info.js';

/**
 * Messages of GET /api/browse/stream, as upstream's UI reads them (upstream-behaviour §4.5):
 * a folder's counts (`type: "totals"` for the browsed folder itself, no type for its child folders)
 * and `file_update` for a file probed again after a job changed it.
 */
export type BrowseUpdate =
  | ({ path: string; type?: 'totals' } & CountsView)
  | { type: 'file_update'; path: string; video_info: VideoInfo | null; size: number };

interface Watcher {
  /** The folder being looked at; `undefined` for the list of roots. */
  dir: string | undefined;
  roots: readonly string[];
  send: (update: BrowseUpdate) => void;
}

/** Fans folder-count changes and re-probed files out to the browse streams that show them. */
export class BrowseFeed {
  private readonly watchers = new Set<Watcher>();

  /** `dir` undefined: the list of `roots`. Returns the unsubscribe function. */
  watch(dir: string | undefined, roots: readonly string[], send: (update: BrowseUpdate) => void): () => void {
    const watcher: Watcher = { dir, roots, send };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Whether someone is looking at `dir` (a re-probe is only worth it then). */
  watching(dir: string): boolean {
    for (const w of this.watchers) if (w.dir === dir) return true;
    return false;
  }

  countsChanged(dir: string, view: CountsView): void {
    for (const w of this.watchers) {
      if (w.dir === undefined) {
        if (w.roots.includes(dir)) deliver(w, { path: dir, ...view });
      } else if (w.dir === dir) deliver(w, { type: 'totals', path: dir, ...view });
      else if (dirname(dir) === w.dir && dir !== w.dir) deliver(w, { path: dir, ...view });
    }
  }

  fileUpdated(path: string, info: VideoInfo | undefined, size: number): void {
    const dir = dirname(path);
    for (const w of this.watchers) if (w.dir === dir) deliver(w, { type: 'file_update', path, video_info: info ?? null, size });
  }
}

/** One stream failing (a closed socket) must not stop the others. */
function deliver(w: Watcher, update: BrowseUpdate): void {
  try {
    w.send(update);
  } catch {
    // The stream's own close handler unsubscribes it.
  }
}

import type { FinalizeIntent } from '../ffmpeg/finalize.js';
import type { JobStore } from '../store/store.js';

const KEY = 'finalizing';

/**
 * D19: finalize intents by job id, in the database. One is written (and committed) before a job's
 * new file is published, and cleared in the same write batch as the job's `complete`, so after a
 * crash a job either has its intent (the restart looks at the files) or its final state.
 */
export class FinalizeIntents {
  private readonly store: JobStore;
  private readonly open = new Map<string, FinalizeIntent>();

  private constructor(store: JobStore) {
    this.store = store;
  }

  static async load(store: JobStore): Promise<FinalizeIntents> {
    const intents = new FinalizeIntents(store);
    const saved = await store.getMeta<Record<string, FinalizeIntent>>(KEY);
    for (const [id, intent] of Object.entries(saved && typeof saved === 'object' ? saved : {})) intents.open.set(id, intent);
    return intents;
  }

  entries(): Array<[string, FinalizeIntent]> {
    return [...this.open.entries()];
  }

  async record(jobId: string, intent: FinalizeIntent): Promise<void> {
    this.open.set(jobId, intent);
    this.save();
    await this.store.flush();
  }

  clear(jobId: string): void {
    if (this.open.delete(jobId)) this.save();
  }

  private save(): void {
    this.store.setMeta(KEY, Object.fromEntries(this.open));
  }
}

import type { JobStore } from './store.js';

/**
 * A small map kept whole under one meta key: records that must be on disk before the service acts
 * on them (D19: accepted requests, finalize intents). `set` resolves once the record is committed;
 * `delete` is queued with whatever else changes in the same tick, so it commits in the same batch.
 */
export class PersistedMap<T> {
  private readonly store: JobStore;
  private readonly key: string;
  private readonly items = new Map<string, T>();

  private constructor(store: JobStore, key: string) {
    this.store = store;
    this.key = key;
  }

  static async load<T>(store: JobStore, key: string): Promise<PersistedMap<T>> {
    const map = new PersistedMap<T>(store, key);
    const saved = await store.getMeta<Record<string, T>>(key);
    if (saved && typeof saved === 'object' && !Array.isArray(saved)) for (const [id, item] of Object.entries(saved)) map.items.set(id, item);
    return map;
  }

  entries(): Array<[string, T]> {
    return [...this.items.entries()];
  }

  /** Records the item and resolves once it is committed (rejects when the database refuses it). */
  async set(id: string, item: T): Promise<void> {
    this.items.set(id, item);
    this.save();
    await this.store.flush();
  }

  delete(id: string): void {
    if (this.items.delete(id)) this.save();
  }

  private save(): void {
    this.store.setMeta(this.key, Object.fromEntries(this.items));
  }
}

import type { JobStore } from '../store/store.js';

/** An accepted `POST /api/jobs` (or its MQTT twin) whose jobs are not queued yet (D19). */
export interface AcceptedRequest {
  id: string;
  /** Real paths inside the media roots, as validated before the 202. */
  paths: string[];
  preset_id: string;
  smartshrink_quality?: string;
}

const KEY = 'accepted_requests';

/**
 * D19, a 202 is a promise: the request is on disk before it is answered and stays there until its
 * jobs are queued (in the same commit, as the store writes in order), so a crash during discovery
 * resumes it at the next start instead of dropping it.
 */
export class AcceptedRequests {
  private readonly store: JobStore;
  private readonly open = new Map<string, AcceptedRequest>();

  private constructor(store: JobStore) {
    this.store = store;
  }

  static async load(store: JobStore): Promise<AcceptedRequests> {
    const log = new AcceptedRequests(store);
    const saved = await store.getMeta<AcceptedRequest[]>(KEY);
    for (const request of Array.isArray(saved) ? saved : []) log.open.set(request.id, request);
    return log;
  }

  list(): AcceptedRequest[] {
    return [...this.open.values()];
  }

  /** Records the request and resolves once it is committed. */
  async add(request: AcceptedRequest): Promise<void> {
    this.open.set(request.id, request);
    this.save();
    await this.store.flush();
  }

  /** The request's jobs are queued (their writes were queued before this one). */
  done(id: string): void {
    if (this.open.delete(id)) this.save();
  }

  private save(): void {
    this.store.setMeta(KEY, this.list());
  }
}

import { PersistedMap } from '../store/persisted-map.js';
import type { JobStore } from '../store/store.js';

/** An accepted `POST /api/jobs` (or its MQTT twin) whose jobs are not queued yet (D19). */
export interface AcceptedRequest {
  id: string;
  /** Real paths inside the media roots, as validated before the 202. */
  paths: string[];
  preset_id: string;
  smartshrink_quality?: string;
}

/**
 * D19, a 202 is a promise: the request is on disk before it is answered and stays there until its
 * jobs are queued (in the same commit, as the store writes in order), so a crash during discovery
 * resumes it at the next start instead of dropping it.
 */
export type AcceptedRequests = PersistedMap<AcceptedRequest>;

export const loadAcceptedRequests = (store: JobStore): Promise<AcceptedRequests> => PersistedMap.load<AcceptedRequest>(store, 'accepted_requests');

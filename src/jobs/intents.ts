import type { FinalizeIntent } from '../ffmpeg/finalize.js';
import { PersistedMap } from '../store/persisted-map.js';
import type { JobStore } from '../store/store.js';

/**
 * D19: finalize intents by job id. One is committed before a job's new file is published and
 * deleted in the same write batch as the job's `complete`, so after a crash a job either has its
 * intent (the restart looks at the files) or its final state.
 */
export type FinalizeIntents = PersistedMap<FinalizeIntent>;

export const loadFinalizeIntents = (store: JobStore): Promise<FinalizeIntents> => PersistedMap.load<FinalizeIntent>(store, 'finalizing');

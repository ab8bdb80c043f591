import type { Stats } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import type { Settings } from '../config/index.js';
import { finalizeOutput } from '../ffmpeg/finalize.js';
import type { Logger } from '../log.js';
import { resolveInsideRoots } from '../media/roots.js';
import { formatBytes } from '../util/format.js';
import type { FinalizeIntents } from './intents.js';
import type { Queue } from './queue.js';
import type { Job } from './types.js';

/**
 * Just before the swap, the file must still be inside a media root and still be the file that was
 * transcoded: a download manager may have upgraded it meanwhile, and replacing that would lose it.
 */
export async function checkSourceUnchanged(job: Job, before: Stats, roots: readonly string[]): Promise<void> {
  const where = await resolveInsideRoots(job.input_path, roots);
  if (!where.ok || where.path !== job.input_path) {
    throw new Error(`refusing to replace ${job.input_path}: ${where.ok ? `it now leads to ${where.path}` : where.reason}`);
  }
  const now = await stat(job.input_path);
  if (now.dev !== before.dev || now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
    throw new Error('the source file changed while it was being transcoded; nothing was replaced (retry the job to transcode the new file)');
  }
}

export interface SwapDeps {
  queue: Pick<Queue, 'skip' | 'complete'>;
  log: Logger;
  /** Read at swap time, so a change made while the job ran applies (upstream §5.14). */
  settings: Settings;
  tag: string;
  intents?: Pick<FinalizeIntents, 'set' | 'delete'> | undefined;
}

/**
 * The one way a verified output replaces its original, for local and remote jobs alike: the size
 * rule, the source check, then D11's finalize with its intent recorded first and deleted in the same
 * write batch as the job's `complete` (D19). Throws (the original untouched) when the swap fails.
 */
export async function swapIntoPlace(
  job: Job,
  output: { path: string; size: number; format: 'mkv' | 'mp4' },
  source: Stats,
  d: SwapDeps,
  hooks: { stopped?: () => boolean; finalizing?: () => void } = {},
): Promise<'complete' | 'skipped' | 'stopped'> {
  const { queue, log, settings } = d;
  if (output.size >= source.size && !settings.keep_larger_files) {
    await unlink(output.path).catch(() => undefined);
    queue.skip(job.id, `Output larger than original (${formatBytes(output.size)} > ${formatBytes(source.size)})`);
    return 'skipped';
  }
  await checkSourceUnchanged(job, source, settings.media_paths);
  if (hooks.stopped?.()) return 'stopped';
  hooks.finalizing?.();
  const intents = d.intents;
  const result = await finalizeOutput({
    input: job.input_path,
    temp: output.path,
    format: output.format,
    handling: settings.original_handling,
    tag: d.tag,
    ...(intents ? { recordIntent: (intent) => intents.set(job.id, intent) } : {}),
  }).catch((error: unknown) => {
    intents?.delete(job.id);
    throw error;
  });
  queue.complete(job.id, { output_path: result.outputPath, output_size: result.size });
  intents?.delete(job.id);
  if (result.warning) log.warn({ job: job.id, output: result.outputPath }, result.warning);
  log.info({ job: job.id, output: result.outputPath, saved: job.input_size - result.size }, 'job complete');
  return 'complete';
}

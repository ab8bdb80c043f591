/** Walks the attempt plan (upstream-behaviour §5.13) and remembers why each step failed (D12). */

import { type Attempt, describeAttempt } from './attempts.js';
import { FfmpegError } from './failure.js';
import { OutputCheckError } from './verify.js';

export interface AttemptFailure {
  attempt: Attempt;
  /** Short: `ffmpeg failed (exit code 1): the hardware encoder or decoder failed`. */
  summary: string;
  /** With the last stderr lines, for the job's error and the log. */
  message: string;
}

export type FallbackOutcome =
  | { ok: true; used: Attempt; failures: AttemptFailure[] }
  | { ok: false; cancelled: boolean; failures: AttemptFailure[] };

/**
 * Runs `attempt` (encode and check the output) for each plan step until one succeeds. A cancel stops at once; a fatal failure
 * (the disk is full) stops too, because every later encoder would write the same file.
 */
export async function runWithFallback(
  plan: readonly Attempt[],
  signal: AbortSignal,
  attempt: (step: Attempt, failures: readonly AttemptFailure[]) => Promise<void>,
  onFailure: (failure: AttemptFailure) => Promise<void> | void,
): Promise<FallbackOutcome> {
  const failures: AttemptFailure[] = [];
  for (const step of plan) {
    if (signal.aborted) return { ok: false, cancelled: true, failures };
    try {
      await attempt(step, failures);
      return { ok: true, used: step, failures };
    } catch (error) {
      if (signal.aborted || (error instanceof FfmpegError && error.kind === 'cancelled')) {
        return { ok: false, cancelled: true, failures };
      }
      const message = error instanceof Error ? error.message : String(error);
      const summary = error instanceof FfmpegError ? error.summary : message;
      const failure = { attempt: step, summary, message };
      failures.push(failure);
      await onFailure(failure);
      // The disk is full, or the source itself is damaged: no other encoder can do better.
      if ((error instanceof FfmpegError || error instanceof OutputCheckError) && error.fatal) break;
    }
  }
  return { ok: false, cancelled: false, failures };
}

/** `fallback_reason`: every step that failed before the one now running, shortest useful form. */
export function fallbackReason(failures: readonly AttemptFailure[]): string {
  return failures.map((f) => `${describeAttempt(f.attempt)} failed: ${f.summary}`).join('; ');
}

/** A failed job's `error`: the last failure in full (reason + stderr lines), and how many came before. */
export function finalError(failures: readonly AttemptFailure[]): string {
  const last = failures.at(-1);
  if (!last) return 'no encoder could be tried';
  const head = `${describeAttempt(last.attempt)} failed: ${last.message}`;
  return failures.length > 1 ? `all ${failures.length} attempts failed; last: ${head}` : head;
}

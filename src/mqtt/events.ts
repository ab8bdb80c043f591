/** Pure mapping from queue events to the `event` entity's payloads (`<base>/event`, never retained). */
import { basename } from 'node:path';
import type { Job, QueueEvent, Stats } from '../jobs/types.js';

export const EVENT_TYPES = [
  'job_complete',
  'job_failed',
  'job_skipped',
  'job_cancelled',
  'queue_drained',
] as const;
export type HaEventType = (typeof EVENT_TYPES)[number];

export type EventPayload = { event_type: HaEventType } & Record<
  string,
  string | number | boolean | null
>;

const JOB_EVENT_TYPES: Partial<Record<QueueEvent['type'], HaEventType>> = {
  complete: 'job_complete',
  failed: 'job_failed',
  skipped: 'job_skipped',
  cancelled: 'job_cancelled',
};

/** Attributes for a finished job; optional job fields that are unset are left out. */
export function jobEventPayload(type: HaEventType, job: Job): EventPayload {
  const payload: EventPayload = {
    event_type: type,
    job_id: job.id,
    file: basename(job.input_path),
    path: job.input_path,
    preset_id: job.preset_id,
    status: job.status,
    input_size: job.input_size,
    encoder: job.encoder_name ?? job.encoder,
    is_hardware: job.is_hardware,
    completed_at: job.completed_at,
  };
  const optional = {
    output_path: job.output_path,
    output_size: job.output_size,
    space_saved: job.space_saved,
    transcode_secs: job.transcode_secs,
    error: job.error,
    skip_reason: job.skip_reason,
    fallback_reason: job.fallback_reason,
    smartshrink_quality: job.smartshrink_quality,
    vmaf_score: job.vmaf_score,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) payload[key] = value;
  }
  return payload;
}

export function drainedPayload(stats: Stats): EventPayload {
  return {
    event_type: 'queue_drained',
    complete: stats.complete,
    failed: stats.failed,
    skipped: stats.skipped,
    cancelled: stats.cancelled,
    session_saved: stats.session_saved,
  };
}

/**
 * Turns queue events into HA events. `queue_drained` fires once when a job finishes and nothing is
 * pending or running any more; it is re-armed by the next job that is added or started.
 */
export class EventTracker {
  private drained = false;

  handle(event: QueueEvent, stats: () => Stats): EventPayload[] {
    switch (event.type) {
      case 'added':
      case 'jobs_added':
      case 'started':
      case 'requeued':
        this.drained = false;
        return [];
      case 'complete':
      case 'failed':
      case 'skipped':
      case 'cancelled': {
        const type = JOB_EVENT_TYPES[event.type];
        const out: EventPayload[] = type ? [jobEventPayload(type, event.job)] : [];
        const now = stats();
        if (!this.drained && now.pending === 0 && now.running === 0) {
          this.drained = true;
          out.push(drainedPayload(now));
        }
        return out;
      }
      default:
        return [];
    }
  }
}

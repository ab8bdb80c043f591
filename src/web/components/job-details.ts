import { html, nothing } from 'lit';
import { bytes, dateTime, duration, resolution } from '../lib/format.js';
import type { Job } from '../lib/types.js';
import { encoderBadge, smartShrink } from './job-row.js';

/** Everything about one job, for the details dialog (errors in full, with ffmpeg's last lines). */
export function jobDetails(job: Job) {
  const rows: Array<[string, unknown]> = [
    ['File', job.input_path],
    ['Output', job.output_path && job.output_path !== job.input_path ? job.output_path : ''],
    ['Status', job.status + (job.phase ? ` (${job.phase})` : '')],
    ['Preset', job.preset_id],
    ['Encoder', encoderBadge(job)],
    ['Fallback', job.fallback_reason ?? ''],
    ['Source', [job.video_codec, resolution(job.width, job.height), job.bit_depth ? `${job.bit_depth}-bit` : '', job.is_hdr ? 'HDR' : ''].filter(Boolean).join(' · ')],
    ['Length', duration(job.duration_ms)],
    ['Size', job.output_size !== undefined ? `${bytes(job.input_size)} → ${bytes(job.output_size)}` : bytes(job.input_size)],
    ['Saved', job.space_saved !== undefined ? bytes(job.space_saved) : ''],
    ['SmartShrink', smartShrink(job)],
    ['Progress', job.status === 'running' ? `${job.progress.toFixed(1)}% · ${job.speed.toFixed(2)}x · ETA ${job.eta || '–'}` : ''],
    ['Took', job.transcode_secs ? duration(job.transcode_secs * 1000) : ''],
    ['Added', dateTime(job.created_at)],
    ['Started', dateTime(job.started_at)],
    ['Finished', dateTime(job.completed_at)],
    ['Skip reason', job.skip_reason ?? ''],
  ];
  return html`<dl class="details">
      ${rows.map(([k, v]) => (v === '' || v === undefined ? nothing : html`<dt>${k}</dt><dd>${v}</dd>`))}
    </dl>
    ${job.error && job.status === 'failed' ? html`<h3>Error</h3><pre class="err">${job.error}</pre>` : nothing}`;
}

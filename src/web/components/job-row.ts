import { html, nothing } from 'lit';
import { basename, bytes, dirname, duration, resolution, savedPercent } from '../lib/format.js';
import type { Job } from '../lib/types.js';

export interface RowActions {
  details(job: Job): void;
  cancel(job: Job): void;
  retry(job: Job): void;
  remove(job: Job): void;
}

const STATUS_LABEL: Record<Job['status'], string> = {
  pending: 'Pending',
  running: 'Running',
  complete: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

/** The remote worker's name, or undefined for a job of this machine (issue 12). */
export const remoteWorker = (job: Job): string | undefined => (job.worker && job.worker !== 'local' ? job.worker : undefined);

/** `[HW] hevc_nvenc` / `[SW] libx265` (`on desk-gpu` for a remote worker), with why it fell back when it did. */
export function encoderBadge(job: Job) {
  const kind = job.is_hardware ? 'HW' : 'SW';
  const remote = remoteWorker(job);
  const how = job.fallback_reason ? `Fell back: ${job.fallback_reason}` : job.is_hardware ? 'Hardware encoder' : 'Software encoder';
  const title = remote ? `${how} on remote worker ${remote}` : how;
  return html`<span class="badge enc" title=${title}>[${kind}]${job.encoder_name ? ` ${job.encoder_name}` : ''}${remote ? html` on <span class="worker">${remote}</span>` : ''}${job.fallback_reason ? ' ⚠' : ''}</span>`;
}

/** SmartShrink's choices: tier, VMAF and CRF, where present. */
export function smartShrink(job: Job): string {
  const parts: string[] = [];
  if (job.smartshrink_quality) parts.push(`SmartShrink ${job.smartshrink_quality}`);
  if (job.vmaf_score !== undefined) parts.push(`VMAF ${job.vmaf_score.toFixed(1)}`);
  if (job.selected_crf !== undefined) parts.push(`CRF ${job.selected_crf}`);
  return parts.join(' · ');
}

const firstLine = (text: string | undefined): string => (text ?? '').split('\n')[0] ?? '';

function detail(job: Job) {
  const source = [bytes(job.input_size), job.video_codec ?? '', resolution(job.width, job.height), job.is_hdr ? 'HDR' : '', duration(job.duration_ms)]
    .filter(Boolean)
    .join(' · ');
  const ss = smartShrink(job);
  switch (job.status) {
    case 'running': {
      const phase = job.phase ? `${job.phase} · ` : '';
      const speed = job.speed > 0 ? ` · ${job.speed.toFixed(2)}x` : '';
      const eta = job.eta ? ` · ETA ${job.eta}` : '';
      return html`<progress max="100" value=${job.progress} aria-label="Progress of ${basename(job.input_path)}"></progress>
        <span class="ellipsis">${phase}${job.progress.toFixed(1)}%${speed}${eta}${ss ? ` · ${ss}` : ''}</span>`;
    }
    case 'complete':
      return html`<span class="ellipsis"
        >${bytes(job.input_size)} → ${bytes(job.output_size)} (${savedPercent(job.input_size, job.output_size)}) · saved
        <strong>${bytes(job.space_saved)}</strong>${job.transcode_secs ? ` · took ${duration(job.transcode_secs * 1000)}` : ''}${ss ? ` · ${ss}` : ''}</span
      >`;
    case 'failed':
      return html`<span class="ellipsis error" title=${job.error ?? ''}>${firstLine(job.error) || 'Failed'}</span>`;
    case 'skipped':
      return html`<span class="ellipsis" title=${job.skip_reason ?? job.error ?? ''}>${firstLine(job.skip_reason ?? job.error) || 'Skipped'}</span>`;
    case 'cancelled':
      return html`<span class="ellipsis">Cancelled · ${source}</span>`;
    default:
      return html`<span class="ellipsis">${source}${ss ? ` · ${ss}` : ''}</span>`;
  }
}

export function jobRow(job: Job, index: number, total: number, top: number, a: RowActions) {
  const name = basename(job.input_path);
  const finished = job.status !== 'pending' && job.status !== 'running';
  return html`<div
    role="listitem"
    class="job"
    style="transform:translateY(${top}px)"
    aria-posinset=${index + 1}
    aria-setsize=${total}
    data-id=${job.id}
    data-status=${job.status}
  >
    <div class="line">
      <span class="badge s-${job.status}">${STATUS_LABEL[job.status]}</span>
      <button class="name ellipsis" @click=${() => a.details(job)} title=${job.input_path}>${name}</button>
      ${job.status === 'pending' || job.status === 'running'
        ? html`<button class="act danger" @click=${() => a.cancel(job)} aria-label="Cancel ${name}">Cancel</button>`
        : nothing}
      ${job.status === 'failed' ? html`<button class="act" @click=${() => a.retry(job)} aria-label="Retry ${name}">Retry</button>` : nothing}
      ${finished ? html`<button class="act" @click=${() => a.remove(job)} aria-label="Remove ${name}">Remove</button>` : nothing}
    </div>
    <div class="line dim">
      ${encoderBadge(job)}<span class="ellipsis" title=${dirname(job.input_path)}
        >${basename(dirname(job.input_path))} · ${job.preset_id}${job.fallback_reason ? ` · fell back: ${job.fallback_reason}` : ''}</span
      >
    </div>
    <div class="line">${detail(job)}</div>
  </div>`;
}

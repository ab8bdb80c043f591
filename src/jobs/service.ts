import { setMaxListeners } from 'node:events';
import { stat } from 'node:fs/promises';
import type { SettingsStore } from '../config/index.js';
import { AppError, badRequest, conflict, notFound } from '../errors.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { type PresetBase, presetBase } from '../ffmpeg/presets.js';
import type { Logger } from '../log.js';
import { discoverFiles, mapLimit } from '../media/discover.js';
import { isCandidateVideo } from '../media/files.js';
import type { ProbeMemo } from '../media/probe-memo.js';
import type { ProbeResult } from '../media/probe-parse.js';
import { resolveInsideRoots } from '../media/roots.js';
import type { AcceptedRequest, AcceptedRequests } from './accepted.js';
import type { QueueActions } from './actions.js';
import { newJob } from './job.js';
import type { WorkerPool } from './pool.js';
import type { Queue } from './queue.js';
import { skipReason } from './skip.js';
import { JOB_STATUSES, type Job, type JobStatus, TERMINAL_STATUSES } from './types.js';

export interface ServiceDeps {
  queue: Queue;
  pool: WorkerPool;
  settings: SettingsStore;
  encoders: { best(codec: 'hevc' | 'av1'): EncoderInfo; ready?(): Promise<void> };
  /** Probes files (and remembers the results for the job's start). */
  probes: ProbeMemo;
  nextId: () => string;
  clock: () => Date;
  log: Logger;
  /** Presets usable right now: true, or false / why not (SmartShrink needs working VMAF scoring). */
  presetAvailable?: (preset: PresetBase) => boolean | string;
  probeConcurrency?: number;
  /** Accepted requests kept until their jobs are queued (D19); without it nothing survives a crash. */
  accepted?: AcceptedRequests;
}

const QUALITIES = ['acceptable', 'good', 'excellent'];
const CLEARABLE: readonly JobStatus[] = JOB_STATUSES.filter((s) => s !== 'running');
const PROGRESS_THROTTLE_MS = 100;

interface CreateRequest {
  paths: string[];
  preset: PresetBase;
  quality?: string;
}

/** The queue operations shared by REST and MQTT (D18). */
export class JobService implements QueueActions {
  private readonly d: ServiceDeps;
  private readonly background = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /**
   * D4/D22: files some request is queuing right now (between its duplicate check and its
   * `queue.add`, across the awaits of probing). With the queue's active jobs, one holder per file.
   */
  private readonly reserved = new Set<string>();

  constructor(deps: ServiceDeps) {
    this.d = deps;
    // Every probe of every request being queued listens on this one signal (4 per request, several
    // requests at once): not a leak, so no MaxListenersExceededWarning in the log.
    setMaxListeners(0, this.abort.signal);
  }

  async createJobs(body: unknown): Promise<{ status: 'processing'; message: string; paths: string[] }> {
    // SmartShrink is usable once VMAF detection (in the background at startup) has answered.
    if (presetBase(String((body as { preset_id?: unknown } | null)?.preset_id))?.is_smart_shrink) await this.d.encoders.ready?.();
    const request = this.validateCreate(body);
    const roots = this.d.settings.get().media_paths;
    const resolved = await Promise.all(request.paths.map((p) => resolveInsideRoots(p, roots)));
    const kinds = await Promise.all(resolved.map((r) => (r.ok ? stat(r.path).catch(() => undefined) : undefined)));
    const problems = resolved.flatMap((r, i) => {
      if (!r.ok) return [`${request.paths[i]} (${r.reason})`];
      const info = kinds[i];
      if (info?.isFile() && !isCandidateVideo(r.path)) return [`${request.paths[i]} (not a video file)`];
      if (info && !info.isFile() && !info.isDirectory()) return [`${request.paths[i]} (not a file or folder)`];
      return [];
    });
    if (problems.length > 0) throw badRequest(`invalid paths: ${problems.join(', ')}`);
    const real = resolved.map((r) => (r.ok ? r.path : ''));
    const accepted: AcceptedRequest = { id: this.d.nextId(), paths: real, preset_id: request.preset.id, ...(request.quality ? { smartshrink_quality: request.quality } : {}) };
    if (this.d.accepted) {
      try {
        await this.d.accepted.set(accepted.id, accepted);
      } catch (error) {
        // Nothing was promised: the request must not come back at the next start either.
        this.d.accepted.delete(accepted.id);
        throw new AppError(503, 'store_failed', 'the request could not be saved; nothing was queued, try again', { cause: error });
      }
    }
    this.startDiscovery(accepted, request);
    return { status: 'processing', message: `Processing ${request.paths.length} paths in background...`, paths: real };
  }

  /** Startup: discovery again for every request accepted before a crash (D19). */
  resumeAccepted(): number {
    const open = this.d.accepted?.entries() ?? [];
    for (const [, accepted] of open) {
      const preset = presetBase(accepted.preset_id);
      if (!preset) {
        this.d.accepted?.delete(accepted.id);
        continue;
      }
      this.d.log.info({ paths: accepted.paths }, 'resuming a request accepted before the restart');
      this.startDiscovery(accepted, { paths: accepted.paths, preset, ...(accepted.smartshrink_quality ? { quality: accepted.smartshrink_quality } : {}) });
    }
    return open.length;
  }

  private startDiscovery(accepted: AcceptedRequest, request: CreateRequest): void {
    const task = this.discoverAndAdd(accepted.paths, request).then(
      (finished) => {
        // A shutdown mid-discovery keeps the request for the next start.
        if (finished) this.d.accepted?.delete(accepted.id);
      },
      (error: unknown) => {
        this.d.log.error({ err: error, paths: accepted.paths }, 'discovery failed');
        this.d.accepted?.delete(accepted.id);
      },
    );
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  async cancel(id: string): Promise<{ status: 'cancelled'; job: Job }> {
    const job = this.d.queue.get(id);
    if (!job) throw notFound('job not found');
    if (TERMINAL_STATUSES.has(job.status)) throw conflict(`job already in terminal state: ${job.status}`);
    if (this.d.pool.isFinalizing(id)) throw conflict('job is finishing: its new file is being put in place and it can no longer be cancelled');
    const cancelled = this.d.queue.cancel(id);
    if (!cancelled) throw conflict(`job already in terminal state: ${this.d.queue.get(id)?.status ?? 'removed'}`);
    this.d.pool.cancelRunning(id);
    return { status: 'cancelled', job: cancelled };
  }

  async remove(id: string): Promise<{ removed: true }> {
    const job = this.d.queue.get(id);
    if (!job) throw notFound('job not found');
    if (!TERMINAL_STATUSES.has(job.status)) throw conflict(`only finished jobs can be removed; this one is ${job.status}`);
    this.d.queue.remove(id);
    return { removed: true };
  }

  async retry(id: string): Promise<Job> {
    const old = this.d.queue.get(id);
    if (!old) throw notFound('job not found');
    if (old.status !== 'failed') throw badRequest('can only retry failed jobs');
    const preset = presetBase(old.preset_id);
    if (preset?.is_smart_shrink) await this.d.encoders.ready?.();
    const problem = this.presetProblem(old.preset_id, preset);
    if (problem || !preset) throw badRequest(problem ?? `unknown preset: ${old.preset_id}`);
    const where = await resolveInsideRoots(old.input_path, this.d.settings.get().media_paths);
    if (!where.ok) throw badRequest(`file no longer exists or is not allowed: ${old.input_path} (${where.reason})`);
    // Checked and reserved in one step, and held across the probe's await (D22).
    const active = this.d.queue.activeJobFor(where.path);
    if (active) throw badRequest(`the file already has a pending or running job: ${active}`);
    if (this.reserved.has(where.path)) throw badRequest('the file is being queued by another request right now');
    this.reserved.add(where.path);
    try {
      let probe: ProbeResult;
      try {
        probe = await this.d.probes.fresh(where.path);
      } catch (error) {
        throw badRequest(`failed to probe file: ${(error as Error).message}`);
      }
      // The failed job may have been removed or retried meanwhile.
      if (this.d.queue.get(id)?.status !== 'failed') throw badRequest('can only retry failed jobs');
      const job = this.buildJob(where.path, preset, probe, old.smartshrink_quality);
      // The new job takes the old one's place in the queue (upstream appended it at the end).
      const pos = this.d.queue.positionOf(id);
      this.d.queue.add([job], pos === undefined ? { single: true } : { single: true, at: pos });
      this.d.queue.remove(id);
      return this.d.queue.get(job.id) ?? job;
    } finally {
      this.reserved.delete(where.path);
    }
  }

  async retryFailed(): Promise<Job[]> {
    const failed = this.d.queue.jobs().filter((j) => j.status === 'failed');
    const out: Job[] = [];
    for (const job of failed) {
      try {
        out.push(await this.retry(job.id));
      } catch (error) {
        this.d.log.warn({ job: job.id, err: (error as Error).message }, 'retry of a failed job refused');
      }
    }
    return out;
  }

  async clear(status?: unknown): Promise<{ cleared: number; message: string }> {
    if (status !== undefined && status !== '' && !CLEARABLE.includes(status as JobStatus)) {
      throw badRequest(`status must be one of: ${CLEARABLE.join(', ')}`);
    }
    const cleared = this.d.queue.clear(status === undefined || status === '' ? undefined : (status as JobStatus));
    return { cleared, message: `Cleared ${cleared} jobs` };
  }

  async pause(): Promise<{ paused: true; requeued: number }> {
    return { paused: true, requeued: await this.d.pool.pause() };
  }

  async resume(): Promise<{ paused: false }> {
    this.d.pool.resume();
    return { paused: false };
  }

  async setWorkers(n: unknown): Promise<{ workers: number }> {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 6) {
      throw badRequest('workers must be an integer between 1 and 6');
    }
    // Like PUT /api/config: a value fixed by a flag, the environment or an add-on option stays fixed.
    if (this.d.settings.isOverridden('workers')) {
      if (n !== this.d.settings.get().workers) throw badRequest('workers is set by a command-line flag or environment variable and cannot be changed here');
      return { workers: n };
    }
    await this.d.settings.update({ workers: n });
    await this.d.pool.resize(n);
    return { workers: n };
  }

  async resetSession(): Promise<{ status: 'session reset' }> {
    this.d.queue.resetSession();
    return { status: 'session reset' };
  }

  /** Stops background discovery (shutdown). */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.background);
  }

  /** Waits for the background discoveries started so far (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Why a preset cannot be used now, or undefined. */
  private presetProblem(id: string, preset: PresetBase | undefined): string | undefined {
    const ok = !preset ? false : this.d.presetAvailable ? this.d.presetAvailable(preset) : !preset.is_smart_shrink;
    if (ok === true) return undefined;
    return typeof ok === 'string' ? `${id} is not available: ${ok}` : `unknown preset: ${id}`;
  }

  private validateCreate(body: unknown): CreateRequest {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('request body must be a JSON object');
    const b = body as Record<string, unknown>;
    const errors: string[] = [];
    const paths = b.paths;
    if (!Array.isArray(paths) || paths.length === 0) errors.push('paths must be a non-empty array of strings');
    else if (paths.some((p) => typeof p !== 'string' || p.trim() === '')) errors.push('every path must be a non-empty string');
    let preset: PresetBase | undefined;
    if (typeof b.preset_id !== 'string' || b.preset_id === '') errors.push('preset_id must be a non-empty string');
    else {
      preset = presetBase(b.preset_id);
      const problem = this.presetProblem(b.preset_id, preset);
      if (problem) errors.push(problem);
    }
    const quality = b.smartshrink_quality;
    if (quality !== undefined && quality !== '' && (typeof quality !== 'string' || !QUALITIES.includes(quality))) {
      errors.push("smartshrink_quality must be 'acceptable', 'good', or 'excellent'");
    } else if (preset?.is_smart_shrink && (typeof quality !== 'string' || quality === '')) {
      errors.push(`smartshrink_quality is required for ${preset.id}`);
    }
    if (errors.length > 0 || !preset) throw badRequest(errors.join('; '));
    return { paths: paths as string[], preset, ...(typeof quality === 'string' && quality ? { quality } : {}) };
  }

  /** Returns false when a shutdown stopped it before its jobs were queued. */
  private async discoverAndAdd(paths: string[], request: CreateRequest): Promise<boolean> {
    const { queue, log } = this.d;
    const signal = this.abort.signal;
    const roots = this.d.settings.get().media_paths;
    const found = await discoverFiles(paths, roots, signal);
    if (signal.aborted) return false;
    // Checked and reserved in one synchronous step, held until the jobs are in the queue (D22).
    const files = found.filter((file) => {
      if (!queue.activeJobFor(file) && !this.reserved.has(file)) {
        this.reserved.add(file);
        return true;
      }
      log.info({ path: file }, 'already queued; not added again');
      return false;
    });
    try {
      return await this.probeAndAdd(files, paths, request);
    } finally {
      for (const file of files) this.reserved.delete(file);
    }
  }

  private async probeAndAdd(files: string[], paths: string[], request: CreateRequest): Promise<boolean> {
    const { queue, log } = this.d;
    const signal = this.abort.signal;
    const total = files.length;
    let probed = 0;
    let lastSent = 0;
    queue.discoveryProgress(0, total);
    const probes = await mapLimit(files, this.d.probeConcurrency ?? 4, async (file) => {
      // Shutting down: don't start thousands of ffprobes that will only be thrown away.
      if (signal.aborted) return { error: 'stopped' };
      // The remembered probe when the file is unchanged (inode, size, mtime): a folder queued again
      // costs no ffprobe per file.
      const result = await this.d.probes.get(file, signal).then(
        (probe) => ({ probe }),
        (error: Error) => ({ error: error.message }),
      );
      probed += 1;
      const now = this.d.clock().getTime();
      if (probed === total || now - lastSent >= PROGRESS_THROTTLE_MS) {
        lastSent = now;
        queue.discoveryProgress(probed, total);
      }
      return result;
    });
    if (signal.aborted) return false;
    const jobs: Job[] = [];
    files.forEach((file, i) => {
      const result = probes[i];
      if (!result) return;
      if ('probe' in result) jobs.push(this.buildJob(file, request.preset, result.probe, request.quality));
      else jobs.push(this.failedJob(file, request, `cannot read the video: ${result.error}`));
    });
    queue.add(jobs);
    log.info({ paths, found: total, added: jobs.length }, 'jobs added');
    return true;
  }

  private buildJob(path: string, preset: PresetBase, probe: ProbeResult, quality?: string): Job {
    const encoder = this.d.encoders.best(preset.codec).accel;
    const job = newJob({ id: this.d.nextId(), path, presetId: preset.id, encoder, probe, now: this.d.clock(), smartshrinkQuality: quality });
    if (!probe.video) {
      return { ...job, status: 'failed', error: 'the file has no video stream', completed_at: job.created_at };
    }
    const reason = skipReason(preset, job, this.d.settings.get().allow_same_codec);
    if (reason) return { ...job, status: 'skipped', skip_reason: reason, error: reason, completed_at: job.created_at };
    return job;
  }

  private failedJob(path: string, request: CreateRequest, error: string): Job {
    const probe: ProbeResult = { size: 0, duration_ms: 0, bitrate: 0, format: '', audio: [], subtitles: [], attachments: [], coverArt: [] };
    const job = newJob({ id: this.d.nextId(), path, presetId: request.preset.id, encoder: 'none', probe, now: this.d.clock(), smartshrinkQuality: request.quality });
    return { ...job, status: 'failed', error, completed_at: job.created_at };
  }
}

/**
 * SmartShrink for the job processor: the gates, the analysis slot, the job's phase and results, and
 * what the full encode must use. The processor calls `prepare()` before its full encode; everything
 * SmartShrink-specific stays here.
 */

import { availableParallelism } from 'node:os';
import { buildTranscodeCommand } from '../ffmpeg/args.js';
import type { Attempt } from '../ffmpeg/attempts.js';
import { type CommandRunner, runCommand } from '../ffmpeg/command.js';
import type { PresetBase } from '../ffmpeg/presets.js';
import type { VmafDetection } from '../ffmpeg/vmaf-detect.js';
import type { Codec, Job } from '../jobs/types.js';
import type { Logger } from '../log.js';
import type { ProbeResult } from '../media/probe-parse.js';
import { formatBytes } from '../util/format.js';
import { type AnalysisSource, analyze, gateSkip, type Setting } from './analyze.js';
import { isTier } from './scoring.js';
import { AnalysisSlots } from './slots.js';
import { removeAnalysisLeftovers } from './workdir.js';

/** The job fields SmartShrink sets (queue.patch) and its phases (upstream-behaviour §1.1). */
export type SmartShrinkFields = Partial<Pick<Job, 'phase' | 'vmaf_score' | 'selected_crf' | 'quality_mod' | 'analysis_rounds' | 'fallback_reason'>>;

export interface SmartShrinkQueue {
  patch(id: string, fields: SmartShrinkFields): void;
  /** A forced progress event carries the new phase at once (D7 never throttles state changes away). */
  progress(id: string, update: { progress: number; speed: number; eta: string }, force?: boolean): void;
}

export interface SmartShrinkDeps {
  vmaf: () => VmafDetection;
  settings: () => { ffmpeg_path: string; max_concurrent_analyses: number; keep_larger_files: boolean; stall_timeout_secs: number };
  /** Called on every settings change, so a raised analysis limit lets waiting jobs in at once. */
  onSettingsChange?: (listener: () => void) => void;
  tempDir: () => string;
  /** This instance's tag in working-folder names (D20). */
  instance: string;
  log: Logger;
  run?: CommandRunner;
  cpus?: number;
}

export type Prepared =
  /** Encode with these: the chosen setting, and the plan from the encoder that made the samples. */
  | { kind: 'encode'; setting: Setting; plan: Attempt[] }
  | { kind: 'skip'; reason: string }
  /** The job's signal was aborted (cancel, pause, shutdown): the pool decides what happens. */
  | { kind: 'stopped' };

export interface PrepareInput {
  job: Job;
  preset: PresetBase;
  probe: ProbeResult;
  /** The source file's size in bytes. */
  size: number;
  /** The job's encoder attempts (D12), as the full encode would use them. */
  plan: readonly Attempt[];
  signal: AbortSignal;
  queue: SmartShrinkQueue;
}

interface Analysis {
  job: Job;
  codec: Codec;
  source: AnalysisSource;
  plan: readonly Attempt[];
  encodeArgs: (attempt: Attempt, input: string, output: string, setting: Setting) => string[];
  signal: AbortSignal;
  queue: SmartShrinkQueue;
}

/** The analysis' view of the job: the probed video stream, and sample encodes built like the job's own. */
function analysisOf(p: PrepareInput): Analysis {
  const { job, preset, probe, signal } = p;
  const video = probe.video;
  return {
    job,
    codec: preset.codec,
    plan: p.plan,
    signal,
    // Once the job is stopped it belongs to the pool (requeued, cancelled): a round that ends just
    // then must not write an analysing phase onto a pending job.
    queue: {
      patch: (id, fields) => {
        if (!signal.aborted) p.queue.patch(id, fields);
      },
      progress: (id, update, force) => {
        if (!signal.aborted) p.queue.progress(id, update, force);
      },
    },
    source: {
      input: job.input_path,
      videoMap: video ? `0:${video.index}` : '0:v:0',
      durationMs: probe.duration_ms,
      height: video?.height,
      frameRate: video?.frame_rate,
      isHdr: video?.is_hdr,
      size: p.size,
    },
    // The job's encoder, options and decode path; video only (the sample holds nothing else); HDR never gets here.
    encodeArgs: (attempt, input, output, setting) =>
      buildTranscodeCommand({
        input,
        output,
        encoder: attempt.encoder,
        maxHeight: preset.max_height,
        source: { ...job, height: video?.height, bitrate: probe.bitrate },
        quality: setting.quality,
        qualityMod: setting.qualityMod,
        softwareDecode: attempt.softwareDecode,
        tonemap: null,
        outputFormat: 'mkv',
        streams: { subtitles: [], attachments: [] },
      }).args,
  };
}

const ZERO = { progress: 0, speed: 0, eta: '' };

export class SmartShrink {
  readonly slots: AnalysisSlots;

  constructor(private readonly d: SmartShrinkDeps) {
    this.slots = new AnalysisSlots(() => d.settings().max_concurrent_analyses);
    d.onSettingsChange?.(() => this.slots.drain());
  }

  /** Whether SmartShrink presets are offered and accepted: true, or why not (for the 400). */
  availability(): true | string {
    const vmaf = this.d.vmaf();
    return vmaf.available ? true : `VMAF scoring does not work here: ${vmaf.detail}`;
  }

  /** Startup: working folders a killed analysis of this instance left behind (D9). */
  removeLeftovers(): Promise<string[]> {
    return removeAnalysisLeftovers(this.d.tempDir(), this.d.instance);
  }

  /**
   * Runs the analysis for a SmartShrink job. Throws AnalysisError (`VMAF analysis failed: …`) when it
   * fails; every other outcome is returned.
   */
  async prepare(input: PrepareInput): Promise<Prepared> {
    const p = analysisOf(input);
    const { job, queue, signal } = p;
    const gate = gateSkip(p.source);
    if (gate) return { kind: 'skip', reason: gate };
    const tier = job.smartshrink_quality;
    // Jobs are validated at creation (D1); a job stored by an older version may still lack a tier.
    if (!isTier(tier)) throw new Error(`SmartShrink needs smartshrink_quality (acceptable, good or excellent); this job has ${tier ? `'${tier}'` : 'none'}`);
    const setPhase = (phase: string) => {
      queue.patch(job.id, { phase });
      queue.progress(job.id, ZERO, true);
    };
    let release = this.slots.tryAcquire();
    if (!release) {
      setPhase('waiting_analysis');
      release = await this.slots.acquire(signal).catch(() => undefined);
      if (!release) return { kind: 'stopped' };
    }
    let prepared: Prepared;
    try {
      setPhase('analyzing');
      prepared = await this.analyse(p, tier);
    } finally {
      release();
    }
    if (prepared.kind === 'encode') setPhase('encoding');
    return prepared;
  }

  private async analyse(p: Analysis, tier: Parameters<typeof analyze>[1]): Promise<Prepared> {
    const { job, queue, signal } = p;
    const s = this.d.settings();
    const vmaf = this.d.vmaf();
    const started = Date.now();
    const failures: string[] = [];
    let result: Awaited<ReturnType<typeof analyze>>;
    try {
      result = await analyze(p.source, tier, p.codec, {
        ffmpeg: s.ffmpeg_path,
        scorer: vmaf.scorer,
        scorerProblem: vmaf.detail,
        plan: p.plan,
        encodeArgs: p.encodeArgs,
        run: this.d.run ?? runCommand,
        signal,
        tempDir: this.d.tempDir(),
        instance: this.d.instance,
        cpus: this.d.cpus ?? availableParallelism(),
        // At least this long per command (the analysis allows more for long reels); a hung encoder or
        // scorer must not hold the slot for ever.
        timeoutMs: Math.max(s.stall_timeout_secs, 600) * 1000,
        onRound: (r) => {
          queue.patch(job.id, { analysis_rounds: r.round });
          queue.progress(job.id, ZERO, true);
          this.d.log.info({ job: job.id, round: r.round, value: r.value, vmaf: Number(r.score.toFixed(2)), encoder: r.encoder }, 'SmartShrink round');
        },
        onFallback: (f) => {
          failures.push(`${f.attempt.encoder.encoder} failed on a sample: ${f.message}`);
          this.d.log.warn({ job: job.id, encoder: f.attempt.encoder.encoder, err: f.message }, 'SmartShrink: encoder failed on a sample; trying the next one');
        },
      });
    } catch (error) {
      if (signal.aborted) return { kind: 'stopped' };
      throw error;
    }
    if (signal.aborted) return { kind: 'stopped' };
    const secs = Math.round((Date.now() - started) / 100) / 10;
    if (result.kind === 'skip') {
      this.d.log.info({ job: job.id, reason: result.reason, rounds: result.rounds, secs }, 'SmartShrink: skipped');
      queue.patch(job.id, { analysis_rounds: result.rounds });
      return { kind: 'skip', reason: result.reason };
    }
    const score = Math.round(result.score * 100) / 100;
    queue.patch(job.id, {
      vmaf_score: score,
      ...(result.mode === 'crf' ? { selected_crf: result.value, quality_mod: 0 } : { selected_crf: 0, quality_mod: Math.round(result.value * 1000) / 1000 }),
      analysis_rounds: result.rounds,
    });
    this.d.log.info({ job: job.id, mode: result.mode, value: result.value, vmaf: score, rounds: result.rounds, tried: result.tried, predicted: result.predictedBytes, secs }, 'SmartShrink: analysis done');
    // Not smaller: say so now rather than after a full encode that would be thrown away (D11's rule, predicted).
    if (result.predictedBytes >= p.source.size && !this.d.settings().keep_larger_files) {
      return { kind: 'skip', reason: `Output larger than original (predicted ${formatBytes(result.predictedBytes)} > ${formatBytes(p.source.size)})` };
    }
    // D12: the full encode starts with the encoder that made the samples, and the job says why.
    if (failures.length > 0) queue.patch(job.id, { fallback_reason: failures.join('; ') });
    const setting: Setting = result.mode === 'crf' ? { quality: result.value, qualityMod: 0 } : { quality: 0, qualityMod: result.value };
    return { kind: 'encode', setting, plan: p.plan.slice(result.attemptIndex) };
  }
}

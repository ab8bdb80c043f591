import type { Codec } from '../jobs/types.js';
import type { Logger } from '../log.js';
import type { Detection } from './detect.js';
import { bestEncoder, type EncoderInfo } from './encoders.js';
import type { VmafDetection } from './vmaf-detect.js';

export type Detector = (signal: AbortSignal) => Promise<Detection>;
export type VmafDetector = (signal: AbortSignal) => Promise<VmafDetection>;

const NOT_DETECTED: VmafDetection = { available: false, models: null, scorer: null, detail: 'VMAF detection has not run yet' };

/**
 * The encoders this ffmpeg can use, from the last detection. Detection runs in the background
 * (a GPU driver that hangs a test encode must not keep the web UI down), so users of the list
 * that must not guess — the job processor, GET /api/encoders — wait on `ready()` first. Until the
 * first detection ends, `best()` answers software.
 */
export class EncoderRegistry {
  private list: EncoderInfo[] = [];
  private detectedAt: string | null = null;
  private last: Detection | null = null;
  private vmafState: VmafDetection = NOT_DETECTED;
  private running: Promise<Detection> | undefined;
  private first: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly listeners = new Set<(d: Detection) => void>();

  constructor(private readonly o: { detector?: Detector; vmafDetector?: VmafDetector; log?: Logger } = {}) {}

  available(): EncoderInfo[] {
    return [...this.list];
  }

  best(codec: Codec): EncoderInfo {
    return bestEncoder(this.list, codec);
  }

  lastDetection(): string | null {
    return this.detectedAt;
  }

  /** The full report of the last detection (every encoder, why not, VMAF); null before the first. */
  detection(): Detection | null {
    return this.last;
  }

  /** Whether VMAF scoring works, how, and why not (issue 9); its `available`/`models` are also in `detection().vmaf`. */
  vmaf(): VmafDetection {
    return this.vmafState;
  }

  /** Replaces the list without a detection (tests, or a host where detection is off). */
  set(list: EncoderInfo[], at: Date): void {
    this.list = list;
    this.detectedAt = at.toISOString();
  }

  /** Starts the first detection without waiting for it. */
  start(): void {
    this.first = this.detect().catch(() => undefined);
  }

  /** Resolves once the detection started by `start()` has ended (at once when none was started). */
  async ready(): Promise<void> {
    await this.first;
  }

  /** Runs detection now; a call while one is running joins it. */
  detect(): Promise<Detection> {
    const detector = this.o.detector;
    if (!detector) return Promise.reject(new Error('encoder detection is not configured'));
    const vmafDetector = this.o.vmafDetector;
    // The scoring test runs beside the test encodes. A listed libvmaf is not enough (1.x builds need
    // a model file), so without a scoring detector VMAF counts as unavailable.
    this.running ??= Promise.all([detector(this.abort.signal), vmafDetector?.(this.abort.signal)])
      .then(([found, scoring]) => {
        const vmaf = scoring ?? { ...NOT_DETECTED, detail: 'VMAF scoring is not checked here' };
        const d: Detection = { ...found, vmaf: { available: vmaf.available, models: vmaf.models } };
        if (this.abort.signal.aborted) return d;
        this.vmafState = vmaf;
        this.last = d;
        this.list = d.available;
        this.detectedAt = d.detected_at;
        this.report(d);
        for (const listener of this.listeners) listener(d);
        return d;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Called after every detection (MQTT republishes the encoder entity, for example). */
  onChange(listener: (d: Detection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops a running detection (its test encodes are killed) and waits for it. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  private report(d: Detection): void {
    const log = this.o.log;
    if (!log) return;
    if (!d.listed) log.error({ why: d.results[0]?.detail }, 'ffmpeg did not list its encoders; only software encoding will be tried');
    for (const r of d.results) {
      log.info({ encoder: r.info.encoder, accel: r.info.accel, codec: r.info.codec, available: r.available, detail: r.detail }, `encoder ${r.info.encoder}: ${r.available ? 'available' : 'not available'}`);
    }
    log.info(
      {
        hevc: this.best('hevc').encoder,
        av1: this.best('av1').encoder,
        vmaf: d.vmaf.available,
        vmaf_detail: this.vmafState.detail,
        ms: d.duration_ms,
      },
      'encoder detection finished',
    );
  }
}

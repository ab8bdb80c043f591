/** Pure parsing of ffmpeg's `-progress pipe:1` output (upstream-behaviour §5.11). */

export interface ProgressUpdate {
  /** 0..100 */
  progress: number;
  /** 1.0 = realtime */
  speed: number;
  eta: string;
  frame: number;
  done: boolean;
}

/** `5s`, `1m 5s`, `1h 0m`; negative or unknown → "". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.floor(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}

const numberOf = (value: string | undefined, suffix = ''): number | undefined => {
  if (value === undefined || value === 'N/A') return undefined;
  const n = Number(suffix && value.endsWith(suffix) ? value.slice(0, -suffix.length) : value);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Feed lines; every `progress=continue|end` line yields an update. Values that later blocks report
 * as N/A keep their last value. When ffmpeg reports no speed (some hardware encoders), speed and ETA
 * are recomputed from frame counts and wall time on every block (upstream froze the first estimate).
 */
export class ProgressParser {
  private readonly durationSec: number;
  private readonly totalFrames: number;
  private readonly startedAt: number;
  private readonly now: () => number;
  private block: Record<string, string> = {};
  private outTimeSec = 0;
  private frame = 0;
  private reportedSpeed = 0;

  constructor(opts: { durationMs: number; frameRate: number; now?: () => number }) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.durationSec = opts.durationMs / 1000;
    this.totalFrames = Math.floor(this.durationSec * opts.frameRate);
  }

  push(line: string): ProgressUpdate | undefined {
    const eq = line.indexOf('=');
    if (eq <= 0) return undefined;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      this.block[key] = value;
      return undefined;
    }
    const b = this.block;
    this.block = {};
    const outUs = numberOf(b.out_time_us) ?? numberOf(b.out_time_ms);
    if (outUs !== undefined && outUs > 0) this.outTimeSec = outUs / 1e6;
    const frame = numberOf(b.frame);
    if (frame !== undefined) this.frame = frame;
    const speed = numberOf(b.speed?.trim(), 'x');
    if (speed !== undefined) this.reportedSpeed = speed;
    return this.compute(value === 'end');
  }

  private compute(done: boolean): ProgressUpdate {
    let progress = 0;
    if (this.outTimeSec > 0 && this.durationSec > 0) progress = (this.outTimeSec / this.durationSec) * 100;
    else if (this.frame > 0 && this.totalFrames > 0) progress = (this.frame / this.totalFrames) * 100;
    progress = Math.min(100, Math.max(0, progress));
    let speed = this.reportedSpeed;
    let etaSec = Number.NaN;
    if (speed > 0 && this.durationSec > 0) etaSec = (this.durationSec - this.outTimeSec) / speed;
    else if (this.frame > 0 && this.totalFrames > 0) {
      const elapsed = (this.now() - this.startedAt) / 1000;
      if (elapsed > 0) {
        speed = (this.durationSec * (this.frame / this.totalFrames)) / elapsed;
        etaSec = (elapsed * (this.totalFrames - this.frame)) / this.frame;
      }
    }
    if (done) {
      progress = 100;
      etaSec = 0;
    }
    return {
      progress: Math.round(progress * 10) / 10,
      speed: Math.round(speed * 100) / 100,
      eta: formatEta(etaSec),
      frame: this.frame,
      done,
    };
  }
}

/**
 * VMAF scoring commands, pure (upstream-behaviour §6.4 with our fixes): the libvmaf filter for the
 * build that was detected, the scoring height, and reading the score back.
 */

/** How one ffmpeg build scores: found by a one-frame test (vmaf-detect.ts). */
export interface VmafScorer {
  /** The ffmpeg whose libvmaf scores: the main one, or `vmaf_ffmpeg`. */
  ffmpeg: string;
  /**
   * libvmaf options that choose the model: `model_path=<file>` (libvmaf 1.x), `model=path=<file>`,
   * `model=version=vmaf_v0.6.1` (libvmaf 2.x built-in), or empty for the build's default model.
   */
  modelOption: string;
  /** The model's name as `vmaf_models` shows it, e.g. `vmaf_v0.6.1`. */
  model: string;
  /** Whether this libvmaf has `n_subsample` (all known builds do). */
  subsample: boolean;
}

/** Upstream scores at most at 1080p (its issue #90: 4K scoring ran out of memory). */
export const MAX_SCORING_HEIGHT = 1080;

/**
 * The height both legs are scaled to before scoring, or null to keep the size: at most 1080, even
 * (libvmaf wants 4:2:0 planes); an unknown height is scaled to 1080 like upstream.
 */
export function scoringHeight(height: number | undefined): number | null {
  if (height === undefined || height <= 0) return MAX_SCORING_HEIGHT;
  const target = height > MAX_SCORING_HEIGHT ? MAX_SCORING_HEIGHT : height - (height % 2);
  return target < height ? target : null;
}

/**
 * Characters that would need up to three levels of ffmpeg filter escaping inside `model=path=…`.
 * A model path holding one is refused with a clear message rather than escaped half right.
 */
export const UNSAFE_FILTER_PATH = /[:'\\,;[\]|=\s]/;

export interface VmafFilterOptions {
  /** Source height (both legs come from it). */
  height: number | undefined;
  threads: number;
  /** libvmaf `n_subsample`: score every k-th frame (1 = all). */
  subsample: number;
  modelOption: string;
  /** Where libvmaf writes per-frame scores as JSON (measurements only). */
  logPath?: string;
}

/**
 * `[0:v]leg[dist];[1:v]leg[ref];[dist][ref]libvmaf=…`. libvmaf pairs frames by timestamp, and two
 * files of the same frames need not carry the same ones: Matroska rounds to milliseconds, so at
 * 24 fps a sample cut at 0.083 s and its encode starting at 0 differ by 1 ms every few frames, and
 * the pairing slips to the neighbouring frame (measured: VMAF 78 instead of 99). Both legs are
 * therefore renumbered by frame index; `shortest` stops at the end of the shorter one.
 */
export function vmafFilter(o: VmafFilterOptions): string {
  const h = scoringHeight(o.height);
  const leg = `settb=1/25,setpts=N,setsar=1,${h === null ? '' : `scale=-2:${h},`}format=yuv420p`;
  const options = [
    o.modelOption,
    'shortest=1',
    `n_threads=${Math.max(1, Math.floor(o.threads))}`,
    ...(o.subsample > 1 ? [`n_subsample=${Math.floor(o.subsample)}`] : []),
    ...(o.logPath ? ['log_fmt=json', `log_path=${o.logPath}`] : []),
  ].filter((x) => x !== '');
  return `[0:v]${leg}[dist];[1:v]${leg}[ref];[dist][ref]libvmaf=${options.join(':')}`;
}

/** argv (after the program) that scores `distorted` against `reference`. */
export function vmafArgs(o: { distorted: string; reference: string; filter: string; threads: number }): string[] {
  const t = String(Math.max(1, Math.floor(o.threads)));
  return ['-hide_banner', '-nostdin', '-nostats', '-threads', t, '-filter_threads', t, '-i', o.distorted, '-i', o.reference, '-filter_complex', o.filter, '-f', 'null', '-'];
}

/**
 * The pooled score from ffmpeg's output: libvmaf 2.x and ffmpeg's filter print `VMAF score: 92.3`,
 * libvmaf 1.x also prints `VMAF score = 92.3`; JSON and XML logs as a last resort.
 */
export function parseVmafScore(output: string): number | undefined {
  const patterns = [/VMAF score\s*[:=]\s*([\d.]+)/, /"vmaf"[^}]*"mean"\s*:\s*([\d.]+)/, /vmaf_v.*mean\s*[:=]\s*"?([\d.]+)/];
  for (const pattern of patterns) {
    const match = pattern.exec(output);
    const value = match?.[1] === undefined ? Number.NaN : Number(match[1]);
    if (Number.isFinite(value) && value >= 0 && value <= 100) return value;
  }
  return undefined;
}

/** Per-frame scores from libvmaf's JSON log (1.x `frames[].metrics.vmaf`, 2.x the same). */
export function parseVmafFrames(json: string): number[] {
  const data = JSON.parse(json) as { frames?: Array<{ metrics?: { vmaf?: unknown } }> };
  return (data.frames ?? []).map((f) => Number(f.metrics?.vmaf)).filter((v) => Number.isFinite(v));
}

/** The model's display name from its file: `/x/vmaf_v0.6.1.pkl` → `vmaf_v0.6.1`. */
export function modelName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/(\.pkl)?(\.model)?$|\.json$/i, '') || base;
}

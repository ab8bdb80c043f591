/**
 * How samples are scored: frame subsampling and the safety margin, chosen from measurements
 * (bench/smartshrink-subsample.mts; numbers in docs/smartshrink.md).
 *
 * libvmaf's `n_subsample=k` scores frames 0, k, 2k, …. Encoders repeat a pattern of frame types
 * (x265: a P frame then B frames in groups of 2–5; SVT-AV1: 8/16-frame hierarchies), and a k that
 * shares a factor with that period keeps landing on the same kind of frame. Measured: k = 5 flatters
 * x265 by up to 3.2 points, k = 4 and 8 by up to 8.7 (zoom content), k = 8 moves SVT-AV1 by 2.5.
 * Upstream's k = 5 is one of the worst choices. Primes above 5 (7, 11, 13) stay within a few tenths
 * on every content and both encoders, because they walk through every position of the pattern.
 */

/** The subsampling used when a sample has enough frames; 7: the smallest prime > 5 (measured max error ≈ 0.5). */
export const SUBSAMPLE = 7;
/** Every sample keeps at least this many scored frames; fewer and the mean of one sample gets noisy. */
export const MIN_SCORED_FRAMES = 30;
/**
 * Points added to the tier before the search compares: covers the subsampling error (≤ 0.5 measured
 * with k = 7) and the share of keyframes a short sample has more of than the whole file (samples
 * start on one). With it, the final file's full VMAF met the tier in the integration tests and the
 * benchmark (docs/smartshrink.md).
 */
export const MARGIN = 1;

export const TIERS = { acceptable: 85, good: 90, excellent: 94 } as const;
export type Tier = keyof typeof TIERS;

export const isTier = (value: unknown): value is Tier => typeof value === 'string' && value in TIERS;

/** `n_subsample` for samples of this many frames: SUBSAMPLE when each keeps MIN_SCORED_FRAMES, else every frame. */
export function subsampleFor(framesPerSample: number, supported: boolean): number {
  if (!supported || !Number.isFinite(framesPerSample)) return 1;
  return framesPerSample >= SUBSAMPLE * MIN_SCORED_FRAMES ? SUBSAMPLE : 1;
}

/** libvmaf and decoder threads of the one scorer per round: the CPUs, at most 16 (libvmaf gains little past that). */
export function scoringThreads(cpus: number): number {
  return Math.max(1, Math.min(16, Math.floor(cpus)));
}

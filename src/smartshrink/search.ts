/**
 * The SmartShrink search (upstream-behaviour §6.5/§6.6), as a pure decision: given the settings
 * tried so far and their scores, what to try next or what the answer is. The driver (`runSearch`)
 * feeds it real scores; tests feed it scripted curves.
 *
 * Our one change to upstream's CRF rules is how far to go while no tried point lies on the other
 * side of the threshold. Upstream jumps 60 % of the way to the end of the range, then to the end
 * itself, and needs about 4 rounds; we predict the crossing from a VMAF-per-CRF slope (a measured
 * typical one first, then the one the tried points show), which lands inside the tolerance in 2–3
 * rounds on most content. Once two points straddle the threshold both interpolate the same way.
 * With `firstJump: 'upstream'` the rules are exactly upstream's (its worked example gives CRF 25
 * in 4 rounds; ours gives the same CRF in 2).
 */

export interface Tried {
  /** CRF (lower = better) or bitrate modifier (higher = better). */
  value: number;
  score: number;
}

export type Decision = { kind: 'try'; value: number } | { kind: 'done'; result: Tried | null };

export interface SearchOptions {
  min: number;
  max: number;
  /** The score the result must reach (the tier plus our margin). */
  threshold: number;
  /** `slope` (ours, default) or `upstream` for the second step. */
  firstJump?: 'slope' | 'upstream';
  /** VMAF points per CRF step assumed by the second step; default SLOPE. */
  slope?: number;
  /** At most this many rounds (upstream: 8). */
  maxSteps?: number;
}

/**
 * VMAF points lost per CRF step near the tiers (85–94), until two points measure it. Measured with
 * bench/smartshrink-subsample.mts (five kinds of content at 640x360): libx265 medium CRF 20→26→30
 * lost 0.1–2.5 points per step, about 1.2 on the content that reaches the tiers; libsvtav1 CRF
 * 26→35 lost 0.02–0.65, about 0.5. A guess too small overshoots, too large undershoots; the next
 * round uses the slope the two real points show, or interpolates once they straddle the threshold.
 */
export const SLOPE = 1.2;
export const SLOPE_BY_CODEC = { hevc: 1.2, av1: 0.5 } as const;
/** A measured slope outside these is noise (or a flat stretch) and not trusted for a prediction. */
const MIN_SLOPE = 0.2;
const MAX_SLOPE = 5;
export const MAX_STEPS = 8;
/** Modifier mode: settings closer than this count as neighbours (upstream's minModRange). */
const MOD_STEP = 0.05;

/** Upstream's acceptance window: a score this far above the threshold is close enough (grows by step). */
export const tolerance = (step: number): number => 0.5 + 0.5 * (step - 1);

const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** Interpolates the CRF where the score crosses `threshold`, strictly between the two (upstream's lerp). */
export function lerpCrf(threshold: number, worse: Tried, better: Tried): number {
  const diff = better.score - worse.score;
  if (diff <= 0) return Math.trunc((worse.value + better.value) / 2);
  const f = (threshold - worse.score) / diff;
  const x = roundHalfAway(worse.value - (worse.value - better.value) * f);
  if (x <= better.value) return better.value + 1;
  if (x >= worse.value) return worse.value - 1;
  return x;
}

function lerpMod(threshold: number, worse: Tried, better: Tried): number {
  const diff = better.score - worse.score;
  if (diff <= 0) return (worse.value + better.value) / 2;
  const f = (threshold - worse.score) / diff;
  const x = worse.value + (better.value - worse.value) * f;
  return Math.min(better.value - MOD_STEP / 2, Math.max(worse.value + MOD_STEP / 2, x));
}

/** CRF mode: the highest CRF that met the threshold, or null. */
export function bestCrf(tried: readonly Tried[], threshold: number): Tried | null {
  let best: Tried | null = null;
  for (const t of tried) if (t.score >= threshold && (!best || t.value > best.value)) best = t;
  return best;
}

/** Modifier mode: the lowest modifier that met the threshold, or null. */
export function bestMod(tried: readonly Tried[], threshold: number): Tried | null {
  let best: Tried | null = null;
  for (const t of tried) if (t.score >= threshold && (!best || t.value < best.value)) best = t;
  return best;
}

/**
 * No tried point on the other side of the threshold yet: predict where the score crosses the middle
 * of the next step's acceptance window, from the slope between the last point and its nearest
 * neighbour when there is one (a real measurement), else the typical slope.
 */
function predictCrf(tried: readonly Tried[], last: Tried, o: SearchOptions, up: boolean): number {
  const neighbour = tried.filter((t) => t !== last).sort((a, b) => Math.abs(a.value - last.value) - Math.abs(b.value - last.value))[0];
  const measured = neighbour ? (neighbour.score - last.score) / (last.value - neighbour.value) : Number.NaN;
  const slope = Number.isFinite(measured) && measured > MIN_SLOPE ? Math.min(MAX_SLOPE, measured) : (o.slope ?? SLOPE);
  const aim = o.threshold + tolerance(tried.length + 1) / 2;
  const predicted = roundHalfAway(last.value + (last.score - aim) / slope);
  // Never the same point again: at least one step in the direction the score asks for.
  return up ? Math.max(last.value + 1, predicted) : Math.min(last.value - 1, predicted);
}

/** CRF mode (lower = better quality): the next CRF to score, or the answer. */
export function nextCrf(tried: readonly Tried[], o: SearchOptions): Decision {
  const last = tried.at(-1);
  if (!last) return { kind: 'try', value: Math.trunc((o.min + o.max) / 2) };
  const step = tried.length;
  const crf = last.value;
  let next: number;
  if (last.score >= o.threshold) {
    if (last.score < o.threshold + tolerance(step)) return { kind: 'done', result: last };
    const upper = tried.filter((t) => t.value > crf).sort((a, b) => a.value - b.value)[0];
    if (upper?.value === crf + 1) return { kind: 'done', result: last };
    if (upper) next = lerpCrf(o.threshold, upper, last);
    else if (o.firstJump !== 'upstream' && crf < o.max) next = predictCrf(tried, last, o, true);
    else if (step === 1 && crf + 1 < o.max) next = Math.round(0.4 * crf + 0.6 * o.max);
    else if (crf === o.max) return { kind: 'done', result: last };
    else next = o.max;
  } else {
    if (crf === o.min) return { kind: 'done', result: null };
    const lower = tried.filter((t) => t.value < crf).sort((a, b) => b.value - a.value)[0];
    if (lower && lower.value + 1 === crf) return { kind: 'done', result: lower.score >= o.threshold ? lower : null };
    if (lower) next = lerpCrf(o.threshold, last, lower);
    else if (o.firstJump !== 'upstream') next = predictCrf(tried, last, o, false);
    else if (step === 1 && crf > o.min + 1) next = Math.round(0.4 * crf + 0.6 * o.min);
    else next = o.min;
  }
  next = Math.min(o.max, Math.max(o.min, next));
  if (step >= (o.maxSteps ?? MAX_STEPS) || tried.some((t) => t.value === next)) return { kind: 'done', result: bestCrf(tried, o.threshold) };
  return { kind: 'try', value: next };
}

/** Bitrate-modifier mode (VideoToolbox, higher = better quality), upstream's §6.6 rules unchanged. */
export function nextMod(tried: readonly Tried[], o: SearchOptions): Decision {
  const last = tried.at(-1);
  if (!last) return { kind: 'try', value: (o.min + o.max) / 2 };
  const step = tried.length;
  const mod = last.value;
  let next: number;
  if (last.score >= o.threshold) {
    if (last.score < o.threshold + tolerance(step)) return { kind: 'done', result: last };
    const lower = tried.filter((t) => t.value < mod).sort((a, b) => b.value - a.value)[0];
    if (lower && Math.abs(lower.value - mod) <= MOD_STEP) return { kind: 'done', result: last };
    if (lower) next = lerpMod(o.threshold, lower, last);
    else if (step === 1 && mod - MOD_STEP > o.min) next = 0.4 * mod + 0.6 * o.min;
    else if (Math.abs(mod - o.min) <= MOD_STEP) return { kind: 'done', result: last };
    else next = o.min;
  } else {
    if (Math.abs(mod - o.max) <= MOD_STEP) return { kind: 'done', result: null };
    const upper = tried.filter((t) => t.value > mod).sort((a, b) => a.value - b.value)[0];
    if (upper && Math.abs(upper.value - mod) <= MOD_STEP) return { kind: 'done', result: upper.score >= o.threshold ? upper : null };
    if (upper) next = lerpMod(o.threshold, last, upper);
    else if (step === 1 && mod + MOD_STEP < o.max) next = 0.4 * mod + 0.6 * o.max;
    else next = o.max;
  }
  next = Math.min(o.max, Math.max(o.min, next));
  if (step >= (o.maxSteps ?? MAX_STEPS) || tried.some((t) => Math.abs(t.value - next) < 0.005)) return { kind: 'done', result: bestMod(tried, o.threshold) };
  return { kind: 'try', value: next };
}

export interface SearchResult {
  result: Tried | null;
  /** Every setting scored, in order (its length is the number of rounds). */
  tried: Tried[];
}

/** Runs the search with a real (or scripted) scorer. */
export async function runSearch(mode: 'crf' | 'mod', o: SearchOptions, score: (value: number, round: number) => Promise<number>): Promise<SearchResult> {
  const tried: Tried[] = [];
  const decide = mode === 'crf' ? nextCrf : nextMod;
  for (;;) {
    const d = decide(tried, o);
    if (d.kind === 'done') return { result: d.result, tried };
    tried.push({ value: d.value, score: await score(d.value, tried.length + 1) });
  }
}

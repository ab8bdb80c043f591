/**
 * Where the samples go. Upstream takes 3 samples of 20 s whatever the length: 60 s is 0.8 % of a
 * two-hour film (a few scenes decide the result for the whole film) but half of a two-minute clip
 * (the analysis costs more than the encode). Our rule scales with the length:
 *
 * - one sample per 2 minutes, at least 3, at most 20 — a 10-minute clip gets 5, a 22-minute
 *   episode 11, anything from 40 minutes 20 — so every part of the file has a say. Samples are
 *   joined into one reel, so more of them cost no extra encoder start-ups; with 3 samples a
 *   10-minute clip of mixed content scored 2 points above its final file in the benchmark;
 * - together about 2.5 % of the file, each 2 to 10 s long. Each round encodes and scores the reel,
 *   and the search needs 2–4 rounds, so the analysis costs about 5–10 % of the full encode on long
 *   files (the goal is ≤ 15 %); below 2 s the encoder's start (a keyframe, an empty
 *   lookahead) weighs too much, above 10 s a sample adds time more than new information;
 * - spread over the middle 90 % of the file (credits and black intros say nothing about the film):
 *   one sample in each of n equal slots, at a different place in each slot (offsets 0, 0.618, 0.236,
 *   … of the slot: the golden-ratio sequence), never overlapping. Evenly spaced samples can fall in
 *   step with anything periodic in the file: in the benchmark's clip, whose content cycles every
 *   100 s, samples 108 s apart saw only 2 of its 5 kinds of picture.
 *
 * Examples (count × length = share): 2 min 3 × 2 s = 5 %; 10 min 5 × 3 s = 2.5 %; 22 min 11 × 3 s
 * = 2.5 %; 45 min 20 × 3.4 s = 2.5 %; 2 h 20 × 9 s = 2.5 %; 10 h 20 × 10 s.
 */

export interface Sample {
  startMs: number;
  lengthMs: number;
}

/** Files shorter than this are skipped (upstream: `Video too short for analysis`). */
export const MIN_DURATION_MS = 5_000;
export const SAMPLE_EVERY_MS = 120_000;
export const MIN_SAMPLES = 3;
export const MAX_SAMPLES = 20;
export const SHARE = 0.025;
export const MIN_SAMPLE_MS = 2_000;
export const MAX_SAMPLE_MS = 10_000;
/** The part of the file samples are taken from: 5 % to 95 %. */
const EDGE = 0.05;
const GOLDEN = (Math.sqrt(5) - 1) / 2;
/** Samples shorter than this say too little; fewer samples are taken instead. */
const SHORTEST_MS = 1_000;

export function samplePlan(durationMs: number): Sample[] {
  if (!Number.isFinite(durationMs) || durationMs < MIN_DURATION_MS) return [];
  const span = durationMs * (1 - 2 * EDGE);
  let count = Math.min(MAX_SAMPLES, Math.max(MIN_SAMPLES, Math.ceil(durationMs / SAMPLE_EVERY_MS)));
  let length = Math.min(MAX_SAMPLE_MS, Math.max(MIN_SAMPLE_MS, (durationMs * SHARE) / count));
  // A short file cannot hold them all side by side: shorten them, then take fewer.
  if (count * length > span) length = span / count;
  while (length < SHORTEST_MS && count > 1) {
    count -= 1;
    length = Math.min(MIN_SAMPLE_MS, span / count);
  }
  const slot = span / count;
  // A single sample sits in the middle; more are placed by the golden-ratio sequence (deterministic).
  const offset = (i: number) => (count === 1 ? 0.5 : (i * GOLDEN) % 1);
  return Array.from({ length: count }, (_, i) => ({
    startMs: Math.round(durationMs * EDGE + slot * i + (slot - length) * offset(i)),
    lengthMs: Math.round(length),
  }));
}

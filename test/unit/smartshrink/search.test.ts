import assert from 'node:assert/strict';
import { lerpCrf, nextCrf, nextMod, runSearch, type SearchOptions, type Tried } from '../../../src/smartshrink/search.js';

const HEVC = { min: 16, max: 30 };
const AV1 = { min: 18, max: 35 };

/** A scripted scorer: the curve's score at each setting, and the settings asked for, in order. */
function scripted(curve: (value: number) => number) {
  const asked: number[] = [];
  return {
    asked,
    score: async (value: number) => {
      asked.push(value);
      return curve(value);
    },
  };
}

/** A typical monotone curve: ~1.1 points per CRF step around `at` where it crosses `crossing`. */
const linear = (crossing: number, at: number, slope = 1.1) => (crf: number) => crossing - (crf - at) * slope;

describe('SmartShrink search (pure, scripted score curves)', () => {
  it("reproduces upstream's worked example exactly with upstream's rules: CRF 25 at 90.7 in 4 rounds", async () => {
    const table: Record<number, number> = { 23: 93.2, 27: 88.5, 26: 89.6, 25: 90.7 };
    const s = scripted((crf) => table[crf] ?? Number.NaN);
    const r = await runSearch('crf', { ...HEVC, threshold: 90, firstJump: 'upstream' }, s.score);
    assert.deepEqual(s.asked, [23, 27, 26, 25]);
    assert.deepEqual(r.result, { value: 25, score: 90.7 });
    assert.equal(r.tried.length, 4);
  });

  it('gives the same answer on that example with our second step, in 2 rounds', async () => {
    const table: Record<number, number> = { 23: 93.2, 27: 88.5, 26: 89.6, 25: 90.7 };
    const s = scripted((crf) => table[crf] ?? Number.NaN);
    const r = await runSearch('crf', { ...HEVC, threshold: 90 }, s.score);
    assert.deepEqual(s.asked, [23, 25]);
    assert.deepEqual(r.result, { value: 25, score: 90.7 });
  });

  it('monotone curve: the highest CRF that meets the threshold, within the tolerance, in ≤ 3 rounds', async () => {
    for (const [crossing, at] of [
      [90, 27.4],
      [90, 20.2],
      [94, 24.6],
    ] as const) {
      const curve = linear(crossing, at);
      const s = scripted(curve);
      const r = await runSearch('crf', { ...HEVC, threshold: crossing }, s.score);
      const best = Math.floor(at);
      assert.ok(r.result, `crossing at ${at}`);
      assert.ok(r.result.score >= crossing, `${r.result.score} meets ${crossing}`);
      // Accepted within the tolerance window or at the last CRF that still meets the threshold.
      assert.ok(r.result.value === best || r.result.score < crossing + 0.5 + 0.5 * (r.tried.length - 1), JSON.stringify(r.tried));
      assert.ok(r.tried.length <= 3, `rounds ${r.tried.length}: ${JSON.stringify(r.tried)}`);
    }
  });

  it('monotone but steeper or flatter than assumed: still lands, in ≤ 4 rounds', async () => {
    for (const slope of [0.4, 2.5]) {
      const s = scripted(linear(90, 26.3, slope));
      const r = await runSearch('crf', { ...HEVC, threshold: 90 }, s.score);
      assert.ok(r.result && r.result.score >= 90, JSON.stringify(r.tried));
      // The best CRF is 26; a flat curve may stop earlier, but only inside the tolerance window.
      assert.ok(r.result.value <= 26, JSON.stringify(r.tried));
      assert.ok(r.result.value === 26 || r.result.score < 90 + 0.5 + 0.5 * (r.tried.length - 1), JSON.stringify(r.tried));
      assert.ok(r.tried.length <= 4, JSON.stringify(r.tried));
    }
  });

  it('noisy (not monotone) curve: never returns a setting whose own score missed the threshold; ≤ 8 rounds', async () => {
    const wobble = [0.9, -1.1, 0.6, -0.8, 1.2, -0.4, 0.3, -1.3, 0.8, -0.6, 1.0, -0.9, 0.2, -0.2, 0.5];
    for (const at of [21.5, 24.5, 27.5]) {
      const curve = (crf: number) => linear(90, at)(crf) + (wobble[crf - 16] ?? 0);
      const s = scripted(curve);
      const r = await runSearch('crf', { ...HEVC, threshold: 90 }, s.score);
      assert.ok(r.tried.length <= 8);
      assert.equal(new Set(s.asked).size, s.asked.length, 'no setting is scored twice');
      if (r.result) assert.ok(r.result.score >= 90 && curve(r.result.value) === r.result.score, JSON.stringify(r));
      else assert.ok(r.tried.every((t) => t.score < 90), JSON.stringify(r.tried));
    }
  });

  it('flat curve above the threshold: the largest CRF, in 3 rounds', async () => {
    const s = scripted(() => 95);
    const r = await runSearch('crf', { ...HEVC, threshold: 90 }, s.score);
    assert.deepEqual(r.result, { value: 30, score: 95 });
    assert.deepEqual(s.asked, [23, 27, 30]);
  });

  it('flat curve below the threshold: unreachable (→ Already optimized) after 2 rounds', async () => {
    const s = scripted(() => 80);
    const r = await runSearch('crf', { ...HEVC, threshold: 90 }, s.score);
    assert.equal(r.result, null);
    assert.deepEqual(s.asked, [23, 16]);
  });

  it('unreachable even at the best quality: none, and the best quality was tried', async () => {
    const s = scripted(linear(85, 12)); // would need CRF 12, the range stops at 16
    const r = await runSearch('crf', { ...HEVC, threshold: 85 }, s.score);
    assert.equal(r.result, null);
    assert.ok(s.asked.includes(16));
    assert.ok(r.tried.length <= 3, JSON.stringify(r.tried));
  });

  it('already too good: the largest CRF of the range (AV1 35) in 2 rounds', async () => {
    const s = scripted(linear(90, 44));
    const r = await runSearch('crf', { ...AV1, threshold: 90 }, s.score);
    assert.equal(r.result?.value, 35);
    assert.deepEqual(s.asked, [26, 35]);
  });

  it('accepts at once when the first score is inside the tolerance (0.5)', async () => {
    const s = scripted(() => 90.3);
    const r = await runSearch('crf', { ...HEVC, threshold: 90 }, s.score);
    assert.deepEqual(r.result, { value: 23, score: 90.3 });
    assert.equal(r.tried.length, 1);
  });

  it('two points on the same side: the next one comes from their own slope, not the end of the range', () => {
    const tried: Tried[] = [
      { value: 23, score: 94.7 },
      { value: 26, score: 92.8 },
    ];
    // Measured 0.63 points per step; aim 91 + 0.75 → 27.7 → 28 (upstream would jump to 30).
    assert.deepEqual(nextCrf(tried, { ...HEVC, threshold: 91 }), { kind: 'try', value: 28 });
    assert.deepEqual(nextCrf(tried, { ...HEVC, threshold: 91, firstJump: 'upstream' }), { kind: 'try', value: 30 });
  });

  it('a neighbour that missed decides: CRF c passes, c+1 fails → c', () => {
    const tried: Tried[] = [
      { value: 23, score: 93 },
      { value: 26, score: 89 },
      { value: 24, score: 91.9 },
      { value: 25, score: 89.9 },
    ];
    assert.deepEqual(nextCrf(tried, { ...HEVC, threshold: 90 }), { kind: 'done', result: { value: 24, score: 91.9 } });
  });

  it('stops after 8 rounds with the best attempt', () => {
    const tried: Tried[] = [16, 17, 18, 19, 20, 21, 22, 30].map((value) => ({ value, score: value === 18 ? 95 : 80 }));
    assert.deepEqual(nextCrf(tried, { ...HEVC, threshold: 90, maxSteps: 8 }), { kind: 'done', result: { value: 18, score: 95 } });
  });

  it("lerp stays strictly between its points and rounds half away from zero (upstream's)", () => {
    assert.equal(lerpCrf(90, { value: 27, score: 88.5 }, { value: 23, score: 93.2 }), 26);
    assert.equal(lerpCrf(90, { value: 26, score: 89.6 }, { value: 23, score: 93.2 }), 25);
    assert.equal(lerpCrf(90, { value: 30, score: 80 }, { value: 20, score: 80 }), 25, 'no slope: midpoint');
    assert.equal(lerpCrf(90, { value: 24, score: 50 }, { value: 20, score: 99 }), 21);
    assert.equal(lerpCrf(90, { value: 24, score: 89.99 }, { value: 20, score: 99 }), 23);
  });

  describe('modifier mode (VideoToolbox: higher = better)', () => {
    const VT: SearchOptions = { min: 0.05, max: 0.8, threshold: 90 };
    it('finds the lowest modifier that meets the threshold', async () => {
      const curve = (m: number) => 80 + 30 * m; // crosses 90 at 0.333
      const s = scripted(curve);
      const r = await runSearch('mod', VT, s.score);
      assert.ok(r.result && r.result.score >= 90 && r.result.value < 0.45, JSON.stringify(r.tried));
      assert.ok(r.tried.length <= 8);
    });
    it('unreachable at the highest modifier → none', () => {
      assert.deepEqual(nextMod([{ value: 0.8, score: 70 }], VT), { kind: 'done', result: null });
    });
    it('starts in the middle of the range', () => {
      const d = nextMod([], VT);
      assert.ok(d.kind === 'try' && Math.abs(d.value - 0.425) < 1e-9);
    });
  });
});

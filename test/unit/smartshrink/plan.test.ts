import assert from 'node:assert/strict';
import { gateSkip, predictSize } from '../../../src/smartshrink/analyze.js';
import { samplePlan } from '../../../src/smartshrink/plan.js';
import { scoringThreads, subsampleFor } from '../../../src/smartshrink/scoring.js';

const MIN = 60_000;
const share = (plan: ReturnType<typeof samplePlan>, durationMs: number) => plan.reduce((a, s) => a + s.lengthMs, 0) / durationMs;

describe('SmartShrink sample plan', () => {
  it('scales with the length: count × length as documented', () => {
    const cases: Array<[number, number, number]> = [
      // duration, samples, sample length (ms)
      [2 * MIN, 3, 2_000],
      [10 * MIN, 5, 3_000],
      [22 * MIN, 11, 3_000],
      [45 * MIN, 20, 3_375],
      [120 * MIN, 20, 9_000],
      [600 * MIN, 20, 10_000],
    ];
    for (const [duration, count, length] of cases) {
      const plan = samplePlan(duration);
      assert.equal(plan.length, count, `${duration / MIN} min`);
      for (const s of plan) assert.equal(s.lengthMs, length, `${duration / MIN} min`);
    }
    // About 2.5 % of the file, never more than 200 s in all.
    assert.ok(Math.abs(share(samplePlan(10 * MIN), 10 * MIN) - 0.025) < 1e-9);
    assert.ok(Math.abs(share(samplePlan(120 * MIN), 120 * MIN) - 0.025) < 1e-9);
    assert.equal(samplePlan(600 * MIN).reduce((a, s) => a + s.lengthMs, 0), 200_000);
  });

  it('spreads samples over the middle 90 % without overlaps, in order', () => {
    for (const duration of [5_000, 9_000, 30_000, 2 * MIN, 47 * MIN, 130 * MIN]) {
      const plan = samplePlan(duration);
      assert.ok(plan.length >= 1);
      let end = duration * 0.05 - 1;
      for (const s of plan) {
        assert.ok(s.startMs >= end, `${duration}: ${JSON.stringify(plan)}`);
        end = s.startMs + s.lengthMs;
      }
      assert.ok(end <= duration * 0.95 + 1, `${duration}: ${JSON.stringify(plan)}`);
      // Spread: the first sample sits in the first third of the file, the last one in the last third.
      if (plan.length >= 3) {
        assert.ok((plan[0]?.startMs ?? 0) < duration / 3);
        assert.ok((plan.at(-1)?.startMs ?? 0) > (2 * duration) / 3 - (plan.at(-1)?.lengthMs ?? 0));
      }
    }
  });

  it('a 5–10 s clip gets short samples that still fit; under 5 s there is no plan', () => {
    assert.deepEqual(samplePlan(4_999), []);
    assert.deepEqual(samplePlan(Number.NaN), []);
    const plan = samplePlan(5_000);
    assert.equal(plan.length, 3);
    assert.equal(plan[0]?.lengthMs, 1_500);
  });

  it("skips HDR with upstream's reason and files under 5 s, before any slot or process", () => {
    assert.equal(gateSkip({ isHdr: true, durationMs: 600_000 }), 'SmartShrink does not support HDR content. Use a Compress preset or tonemap to SDR first');
    assert.equal(gateSkip({ isHdr: false, durationMs: 4_999 }), 'Video too short for analysis');
    assert.equal(gateSkip({ isHdr: false, durationMs: Number.NaN }), 'Video too short for analysis');
    assert.equal(gateSkip({ isHdr: false, durationMs: 5_000 }), undefined);
  });

  it('predicts the output from the samples: video scaled, other streams kept', () => {
    // 100 s source of 10 MB; samples: 6 s holding 480 kB of video (so 8 MB of video in all, 2 MB audio).
    const samples = [
      { lengthMs: 3_000, bytes: 240_000 },
      { lengthMs: 3_000, bytes: 240_000 },
    ];
    assert.equal(predictSize({ durationMs: 100_000, size: 10_000_000 }, samples, 120_000), 2_000_000 + 2_000_000);
    assert.equal(predictSize({ durationMs: 100_000, size: 10_000_000 }, [], 0), 10_000_000);
  });

  it('subsamples only when every sample keeps 30 scored frames, and never with a build that cannot', () => {
    assert.equal(subsampleFor(48, true), 1);
    assert.equal(subsampleFor(209, true), 1);
    assert.equal(subsampleFor(240, true), 7);
    assert.equal(subsampleFor(240, false), 1);
  });

  it('scores with the CPUs, bounded', () => {
    assert.equal(scoringThreads(2), 2);
    assert.equal(scoringThreads(0), 1);
    assert.equal(scoringThreads(64), 16);
  });
});

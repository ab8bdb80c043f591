import assert from 'node:assert/strict';
import { inWindow, scheduleAllows, scheduleChanged } from '../../../src/jobs/schedule.js';

/** Every minute of one simulated day (local time), as the pool's clock would show it. */
function day(): Date[] {
  const out: Date[] = [];
  for (let minute = 0; minute < 24 * 60; minute += 1) out.push(new Date(2026, 2, 14, Math.floor(minute / 60), minute % 60, 30));
  return out;
}

/** The hours (0..23) during which starts are allowed over the simulated day. */
function allowedHours(start: number, end: number, enabled = true): number[] {
  const hours = new Set<number>();
  for (const now of day()) {
    if (scheduleAllows({ schedule_enabled: enabled, schedule_start_hour: start, schedule_end_hour: end }, now)) hours.add(now.getHours());
  }
  return [...hours].sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('scheduling window (upstream §2.10, D10)', () => {
  it('wraps midnight: 22→6 allows 22:00–05:59', () => {
    assert.deepEqual(allowedHours(22, 6), [22, 23, 0, 1, 2, 3, 4, 5].sort((a, b) => a - b));
  });

  it('a daytime window: 9→17 allows 09:00–16:59', () => {
    assert.deepEqual(allowedHours(9, 17), range(9, 17));
  });

  it('edges of the wrap: 23→0, 0→23, 23→1, 1→0', () => {
    assert.deepEqual(allowedHours(23, 0), [23]);
    assert.deepEqual(allowedHours(0, 23), range(0, 23));
    assert.deepEqual(allowedHours(23, 1), [0, 23]);
    assert.deepEqual(allowedHours(1, 0), range(1, 24));
  });

  it('the minute before the start is outside, the start minute inside, the end minute outside', () => {
    const s = { schedule_enabled: true, schedule_start_hour: 22, schedule_end_hour: 6 };
    const at = (h: number, m: number) => scheduleAllows(s, new Date(2026, 0, 1, h, m));
    assert.equal(at(21, 59), false);
    assert.equal(at(22, 0), true);
    assert.equal(at(0, 0), true);
    assert.equal(at(5, 59), true);
    assert.equal(at(6, 0), false);
  });

  it('a disabled schedule allows every hour', () => {
    assert.deepEqual(allowedHours(22, 6, false), range(0, 24));
  });

  it('start == end never means "never" (validation refuses it; here it would mean always)', () => {
    for (let h = 0; h < 24; h += 1) assert.equal(inWindow(h, 5, 5), true);
  });

  it('every hour pair gives the expected number of allowed hours', () => {
    for (let start = 0; start < 24; start += 1) {
      for (let end = 0; end < 24; end += 1) {
        if (start === end) continue;
        const expected = start < end ? end - start : 24 - start + end;
        assert.equal(allowedHours(start, end).length, expected, `${start}→${end}`);
      }
    }
  });

  it('knows which setting changes matter to the pool', () => {
    const base = { schedule_enabled: true, schedule_start_hour: 22, schedule_end_hour: 6 };
    assert.equal(scheduleChanged(base, { ...base }), false);
    assert.equal(scheduleChanged(base, { ...base, schedule_enabled: false }), true);
    assert.equal(scheduleChanged(base, { ...base, schedule_start_hour: 21 }), true);
    assert.equal(scheduleChanged(base, { ...base, schedule_end_hour: 7 }), true);
  });
});

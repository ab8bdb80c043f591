import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, QueueEvent } from '../../../src/jobs/types.js';
import { dayKey, HISTORY_META_KEY, SpaceHistory } from '../../../src/stats/history.js';
import { JobStore } from '../../../src/store/store.js';

/** A queue stand-in: only `subscribe` is used. */
function fakeQueue() {
  const listeners = new Set<(e: QueueEvent) => void>();
  return {
    subscribe: (l: (e: QueueEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit: (e: QueueEvent) => {
      for (const l of listeners) l(e);
    },
  };
}

const job = (over: Partial<Job>): Job => ({
  id: 'j1',
  input_path: '/media/a.mkv',
  preset_id: 'compress-hevc',
  encoder: 'none',
  is_hardware: false,
  status: 'complete',
  progress: 100,
  speed: 0,
  eta: '',
  input_size: 1000,
  created_at: '2026-03-01T10:00:00.000Z',
  started_at: '2026-03-01T10:00:00.000Z',
  completed_at: '2026-03-01T10:05:00.000Z',
  ...over,
});

describe('SpaceHistory (bytes saved per day, kept in the store)', () => {
  let dir: string;
  let store: JobStore;
  let now: Date;
  const clock = () => now;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shrinkray-history-'));
    store = await JobStore.open(dir);
    now = new Date(2026, 2, 10, 15, 0, 0);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds complete events to the day they finished on; other events and negative savings add no bytes', async () => {
    const history = await SpaceHistory.load({ store, clock });
    const q = fakeQueue();
    const stop = history.watch(q);
    const day1 = new Date(2026, 2, 9, 23, 30);
    const day2 = new Date(2026, 2, 10, 0, 30);
    q.emit({ type: 'complete', job: job({ space_saved: 400, completed_at: day1.toISOString() }) });
    q.emit({ type: 'complete', job: job({ id: 'j2', space_saved: 100, completed_at: day2.toISOString() }) });
    q.emit({ type: 'complete', job: job({ id: 'j3', space_saved: -50, completed_at: day2.toISOString() }) });
    q.emit({ type: 'failed', job: job({ id: 'j4', status: 'failed', space_saved: 999 }) });
    q.emit({ type: 'removed', job: job({ id: 'j2', space_saved: 100 }) });
    stop();
    q.emit({ type: 'complete', job: job({ id: 'j5', space_saved: 7 }) });
    const r = history.range(3);
    assert.deepEqual(r.history, [
      { date: dayKey(new Date(2026, 2, 8, 12)), saved: 0, jobs: 0 },
      { date: dayKey(day1), saved: 400, jobs: 1 },
      { date: dayKey(day2), saved: 100, jobs: 2 },
    ]);
    assert.equal(r.total_saved, 500);
    assert.equal(r.total_jobs, 3);
    assert.equal(r.from, '2026-03-08');
    assert.equal(r.to, '2026-03-10');
  });

  it('survives a restart (a new store on the same folder) and ignores a damaged record', async () => {
    const history = await SpaceHistory.load({ store, clock });
    history.record(new Date(2026, 2, 10, 9), 1234);
    history.record(new Date(2026, 1, 20, 9), 10);
    await store.close();
    store = await JobStore.open(dir);
    const again = await SpaceHistory.load({ store, clock });
    const r = again.range(30);
    assert.equal(r.history.length, 30);
    assert.equal(r.history.at(-1)?.saved, 1234);
    assert.equal(r.history.find((d) => d.date === '2026-02-20')?.saved, 10);
    assert.equal(r.total_saved, 1244);

    store.setMeta(HISTORY_META_KEY, { version: 1, days: { nonsense: { saved: 'x' }, '2026-03-10': { saved: 5, jobs: 1 } } });
    const damaged = await SpaceHistory.load({ store, clock });
    assert.equal(damaged.range(1).total_saved, 5);
  });

  it('keeps about 400 days and fills every day of a 90-day range, across a DST change', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York'; // DST began on 2026-03-08 there
    try {
      now = new Date(2026, 2, 10, 0, 30);
      const history = await SpaceHistory.load({ store, clock });
      history.record(new Date(2024, 0, 1, 12), 1);
      history.record(new Date(2026, 2, 8, 12), 2);
      const r = history.range(90);
      const dates = r.history.map((d) => d.date);
      assert.equal(dates.at(-1), '2026-03-10');
      for (let i = 1; i < dates.length; i++) {
        assert.equal(Date.parse(`${dates[i]}T00:00Z`) - Date.parse(`${dates[i - 1]}T00:00Z`), 86_400_000, `${dates[i - 1]} → ${dates[i]}`);
      }
      assert.equal(r.total_saved, 2, 'the 2024 day was pruned and is outside the range');
      await store.flush();
      const saved = await store.getMeta<{ days: Record<string, unknown> }>(HISTORY_META_KEY);
      assert.equal(saved?.days['2024-01-01'], undefined);
      assert.ok(saved?.days['2026-03-08']);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});

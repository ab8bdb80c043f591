import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newJob } from '../../../src/jobs/job.js';
import { Queue } from '../../../src/jobs/queue.js';
import type { Job, QueueEvent } from '../../../src/jobs/types.js';
import { JobStore } from '../../../src/store/store.js';

const probe = { size: 1000, duration_ms: 2000, bitrate: 4000, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [] };

describe('Queue (real SQLite store)', () => {
  let dir: string;
  let store: JobStore;
  let queue: Queue;
  let events: QueueEvent[];
  let now: number;
  const clock = () => new Date(now);
  const job = (n: number, status: Job['status'] = 'pending'): Job => ({
    ...newJob({ id: `100-${n}`, path: `/m/${n}.mkv`, presetId: 'compress-hevc', encoder: 'none', probe, now: clock() }),
    status,
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queue-test-'));
    now = Date.parse('2026-01-01T00:00:00Z');
    store = await JobStore.open(dir);
    queue = (await Queue.load({ store, clock })).queue;
    events = [];
    queue.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const reload = async () => {
    await store.close();
    store = await JobStore.open(dir);
    return Queue.load({ store, clock });
  };

  it('a batch emits one jobs_added; a single job emits added, or skipped', () => {
    queue.add([job(1), job(2)]);
    queue.add([job(3)]);
    queue.add([job(4, 'skipped')]);
    assert.deepEqual(events.map((e) => e.type), ['jobs_added', 'added', 'skipped']);
    assert.deepEqual(events[0], { type: 'jobs_added', count: 2 });
  });

  it('start → progress → complete fills the fields and counts saved bytes only when positive', () => {
    queue.add([job(1), job(2)]);
    assert.equal(queue.start('100-1', '/tmp/x'), true);
    assert.equal(queue.start('100-1', '/tmp/x'), false, 'only a pending job starts');
    now += 61_500;
    queue.progress('100-1', { progress: 50, speed: 2, eta: '1s' });
    const done = queue.complete('100-1', { output_path: '/m/1.mkv', output_size: 400 });
    assert.equal(done?.space_saved, 600);
    assert.equal(done?.transcode_secs, 61);
    assert.equal(done?.temp_path, undefined);
    queue.start('100-2', '/tmp/y');
    queue.complete('100-2', { output_path: '/m/2.mkv', output_size: 1500 });
    assert.equal(queue.get('100-2')?.space_saved, -500);
    const s = queue.stats();
    assert.deepEqual([s.complete, s.session_saved, s.lifetime_saved, s.total_saved], [2, 600, 600, 600]);
  });

  it('throttles progress events to 2 a second per job but keeps the latest values', () => {
    queue.add([job(1)]);
    queue.start('100-1', '/t');
    for (let i = 1; i <= 10; i++) {
      now += 100;
      queue.progress('100-1', { progress: i, speed: 1, eta: '' });
    }
    assert.equal(events.filter((e) => e.type === 'progress').length, 2);
    assert.equal(queue.get('100-1')?.progress, 10);
  });

  it('requeue puts the job at the very front; nextPending follows queue order', () => {
    queue.add([job(1), job(2), job(3)]);
    queue.start('100-3', '/t');
    assert.equal(queue.requeue('100-3'), true);
    assert.deepEqual(queue.jobs().map((j) => j.id), ['100-3', '100-1', '100-2']);
    assert.equal(queue.nextPending()?.id, '100-3');
    assert.equal(queue.requeue('100-3'), false, 'only running jobs requeue');
  });

  it('cancel works on pending and running jobs only', () => {
    queue.add([job(1), job(2)]);
    assert.equal(queue.cancel('100-1')?.status, 'cancelled');
    assert.equal(queue.cancel('100-1'), undefined);
    queue.start('100-2', '/t');
    assert.equal(queue.cancel('100-2')?.status, 'cancelled');
  });

  it('clear never removes running jobs and emits removed for each', () => {
    queue.add([job(1), job(2), job(3, 'failed')]);
    queue.start('100-1', '/t');
    assert.equal(queue.clear('failed'), 1);
    assert.equal(queue.clear(), 1);
    assert.deepEqual(queue.jobs().map((j) => j.id), ['100-1']);
    assert.deepEqual(events.filter((e) => e.type === 'removed').map((e) => (e as { job: Job }).job.id), ['100-3', '100-2']);
  });

  it('tracks active paths for duplicate suppression (D4)', () => {
    queue.add([job(1)]);
    assert.equal(queue.activeJobFor('/m/1.mkv'), '100-1');
    queue.start('100-1', '/t');
    assert.equal(queue.activeJobFor('/m/1.mkv'), '100-1');
    queue.fail('100-1', 'boom');
    assert.equal(queue.activeJobFor('/m/1.mkv'), undefined);
  });

  it('survives a reload: order, statuses, counters, pause; running jobs are pending again in place (D9)', async () => {
    queue.add([job(1), job(2), job(3)]);
    queue.start('100-1', '/t');
    queue.complete('100-1', { output_path: '/m/1.mkv', output_size: 100 });
    queue.start('100-2', '/tmp/temp-of-2');
    queue.setPaused(true);
    const { queue: again, recovered } = await reload();
    assert.deepEqual(again.jobs().map((j) => [j.id, j.status]), [['100-1', 'complete'], ['100-2', 'pending'], ['100-3', 'pending']]);
    assert.deepEqual(recovered.map((j) => [j.id, j.temp_path]), [['100-2', '/tmp/temp-of-2']]);
    const two = again.get('100-2');
    assert.equal(two?.temp_path, undefined);
    assert.equal(two?.started_at, null);
    assert.equal(again.isPaused(), true);
    assert.equal(again.stats().session_saved, 900);
    assert.equal(again.nextPending()?.id, '100-2');
    again.resetSession();
    await store.flush();
    const third = await reload();
    assert.equal(third.queue.stats().session_saved, 0);
    assert.equal(third.queue.stats().lifetime_saved, 900);
  });

  it('a job added at a position lands there (retry keeps its place)', () => {
    queue.add([job(1), job(2), job(3)]);
    const pos = queue.positionOf('100-2');
    queue.add([job(9)], { single: true, ...(pos === undefined ? {} : { at: pos }) });
    queue.remove('100-2');
    assert.deepEqual(queue.jobs().map((j) => j.id), ['100-1', '100-9', '100-3']);
  });
});

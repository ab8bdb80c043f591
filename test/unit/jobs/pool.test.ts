import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newJob } from '../../../src/jobs/job.js';
import { WorkerPool } from '../../../src/jobs/pool.js';
import { Queue } from '../../../src/jobs/queue.js';
import { createLogger } from '../../../src/log.js';
import { JobStore } from '../../../src/store/store.js';

const probe = { size: 1000, duration_ms: 2000, bitrate: 4000, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [] };

describe('WorkerPool and jobs that are putting their file in place (D11)', () => {
  let dir: string;
  let store: JobStore;
  let queue: Queue;
  let pool: WorkerPool;
  let release: () => void = () => {};
  let finalizingNow: () => void = () => {};

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pool-test-'));
    store = await JobStore.open(dir);
    queue = (await Queue.load({ store, clock: () => new Date() })).queue;
    pool = new WorkerPool({
      queue,
      log: createLogger('silent'),
      tempPathFor: () => join(dir, 'x.tmp'),
      canStart: () => true,
      // A job that reaches finalize, then waits to be released, then completes.
      process: async (job, _temp, signal, hooks) => {
        await new Promise<void>((resolve) => {
          finalizingNow = () => {
            hooks.finalizing();
            resolve();
          };
          signal.addEventListener('abort', () => resolve());
        });
        if (signal.aborted && !pool.isFinalizing(job.id)) return;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        queue.complete(job.id, { output_path: job.input_path, output_size: 10 });
      },
    });
    queue.add([newJob({ id: '1-1', path: '/m/a.mkv', presetId: 'compress-hevc', encoder: 'none', probe, now: new Date() })]);
    pool.start(1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(queue.get('1-1')?.status, 'running');
  });
  afterEach(async () => {
    await pool.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('before finalize, pause requeues the job', async () => {
    assert.equal(await pool.pause(), 1);
    assert.equal(queue.get('1-1')?.status, 'pending');
  });

  it('while finalizing, pause and shrinking leave it alone and it completes', async () => {
    finalizingNow();
    assert.equal(pool.isFinalizing('1-1'), true);
    const paused = pool.pause();
    const resized = pool.resize(1);
    setTimeout(() => release(), 30);
    assert.equal(await paused, 0);
    assert.equal(await resized, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(queue.get('1-1')?.status, 'complete');
  });

  it('while finalizing, a cancel is refused by the pool', async () => {
    finalizingNow();
    assert.equal(pool.cancelRunning('1-1'), false);
    await new Promise((r) => setTimeout(r, 10));
    release();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(queue.get('1-1')?.status, 'complete');
  });
});

describe('WorkerPool: one run per job, even when pause and resume come quickly', () => {
  it('a requeued job does not start again until its stopped run has finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pool-race-'));
    const store = await JobStore.open(dir);
    const { queue } = await Queue.load({ store, clock: () => new Date() });
    let active = 0;
    let peak = 0;
    let runs = 0;
    const pool = new WorkerPool({
      queue,
      log: createLogger('silent'),
      tempPathFor: () => join(dir, 'x.tmp'),
      canStart: () => true,
      // Each run takes 50 ms to notice its abort, like ffmpeg being killed and the temp file removed.
      process: async (_job, _temp, signal) => {
        runs += 1;
        active += 1;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => setTimeout(resolve, 50)));
        active -= 1;
      },
    });
    try {
      queue.add([1, 2].map((n) => newJob({ id: `1-${n}`, path: `/m/${n}.mkv`, presetId: 'compress-hevc', encoder: 'none', probe, now: new Date() })));
      pool.start(2);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(pool.runningCount(), 2);
      const pausing = pool.pause();
      pool.resume(); // at once, while the two runs are still stopping
      await pausing;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(peak, 2, 'never more runs than workers');
      assert.equal(runs, 4, 'each job ran again once its first run had ended');
      assert.equal(pool.runningCount(), 2, 'the pool knows about both new runs');
      assert.equal(pool.cancelRunning('1-1'), true);
    } finally {
      await pool.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

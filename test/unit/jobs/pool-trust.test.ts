import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newJob } from '../../../src/jobs/job.js';
import { WorkerPool } from '../../../src/jobs/pool.js';
import { Queue } from '../../../src/jobs/queue.js';
import type { QueueEvent } from '../../../src/jobs/types.js';
import { createLogger } from '../../../src/log.js';
import { JobStore } from '../../../src/store/store.js';

const probe = { size: 1000, duration_ms: 2000, bitrate: 4000, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [] };
const job = (n: number, path = `/m/${n}.mkv`) => newJob({ id: `1-${n}`, path, presetId: 'compress-hevc', encoder: 'none', probe, now: new Date() });
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('queue and pool under stress (issue 8 weak spots)', () => {
  let dir: string;
  let store: JobStore;
  let queue: Queue;
  let pool: WorkerPool | undefined;
  const failures: Array<[unknown, QueueEvent]> = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pool-trust-'));
    store = await JobStore.open(dir);
    queue = (await Queue.load({ store, clock: () => new Date(), onSubscriberError: (e, ev) => failures.push([e, ev]) })).queue;
    failures.length = 0;
  });
  afterEach(async () => {
    await pool?.stop();
    pool = undefined;
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs hold until aborted, then take 50 ms to end (ffmpeg being killed). */
  const holdingPool = (opts: { destinationOf?: (j: { input_path: string }) => string } = {}) =>
    new WorkerPool({
      queue,
      log: createLogger('silent'),
      tempPathFor: () => join(dir, 'x.tmp'),
      canStart: () => true,
      ...(opts.destinationOf ? { destinationOf: opts.destinationOf } : {}),
      process: async (_job, _temp, signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => setTimeout(resolve, 50)));
      },
    });

  it('a throwing subscriber neither fails the change nor starves the subscribers after it', () => {
    const seen: string[] = [];
    queue.subscribe(() => {
      throw new Error('mirror broke');
    });
    queue.subscribe((e) => seen.push(e.type));
    assert.doesNotThrow(() => queue.add([job(1)]));
    assert.equal(queue.get('1-1')?.status, 'pending');
    assert.deepEqual(seen, ['added']);
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]?.[0]), /mirror broke/);
    assert.equal(failures[0]?.[1].type, 'added');
  });

  it('shrinking the workers twice in a row (settings + API) requeues exactly the surplus', async () => {
    pool = holdingPool();
    queue.add([1, 2, 3, 4].map((n) => job(n)));
    pool.start(4);
    await tick();
    assert.equal(queue.running().length, 4);
    const [a, b] = await Promise.all([pool.resize(2), pool.resize(2)]);
    assert.equal(a + b, 2, 'two requeued in all');
    await tick(120);
    assert.equal(queue.running().length, 2);
    assert.equal(queue.jobs().filter((j) => j.status === 'pending').length, 2);
  });

  it('two jobs with the same destination never run at once; other jobs pass them by', async () => {
    pool = holdingPool({ destinationOf: (j) => j.input_path.replace(/\.[^.]+$/, '.mkv').toLowerCase() });
    queue.add([job(1, '/m/Clip.avi'), job(2, '/m/Clip.mp4'), job(3, '/m/Other.mp4')]);
    pool.start(3);
    await tick();
    assert.deepEqual(queue.running().map((j) => j.input_path).sort(), ['/m/Clip.avi', '/m/Other.mp4']);
    assert.equal(queue.get('1-2')?.status, 'pending');
    // When the holder ends, the other one starts.
    queue.cancel('1-1');
    pool.cancelRunning('1-1');
    await tick(120);
    assert.equal(queue.get('1-2')?.status, 'running');
  });
});

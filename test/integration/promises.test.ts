import assert from 'node:assert/strict';
import { chmod, link, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FinalizeIntent } from '../../src/ffmpeg/finalize.js';
import { JobStore } from '../../src/store/store.js';
import { startTestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { get, post, waitFor } from '../helpers/http.js';

const clips = new ClipFactory();

/** D19: a 202 and a `complete` are promises that survive the service stopping at the worst moment. */
describe('promises kept across a stop (D19)', function () {
  this.timeout(120_000);
  after(() => clips.dispose());

  it('a request answered 202 whose discovery was cut short by a stop is queued at the next start', async () => {
    let t = await startTestApp();
    try {
      // A slow ffprobe keeps discovery busy long enough to stop the service in the middle of it.
      const slow = join(t.root, 'slow-ffprobe');
      await writeFile(slow, '#!/bin/sh\nsleep 1\nexec ffprobe "$@"\n');
      await chmod(slow, 0o755);
      await t.stop();
      t = await t.restart({ ffprobe_path: slow });
      const dir = join(t.media, 'batch');
      for (const n of [1, 2, 3, 4, 5, 6]) await clips.copyTo(await clips.h264(), join(dir, `${n}.mp4`));
      await post(t.url, '/api/queue/pause');
      assert.equal((await post(t.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' })).status, 202);
      await new Promise((r) => setTimeout(r, 300));
      await t.stop();
      t = await t.restart({ ffprobe_path: 'ffprobe' });
      const jobs = await waitFor(async () => {
        const list = (await get(t.url, '/api/jobs')).body.jobs;
        return list.length === 6 ? list : undefined;
      }, 'the six jobs of the accepted request', 30_000);
      assert.deepEqual(jobs.map((j: any) => j.status), Array(6).fill('pending'));
      // Resumed once: a further restart adds nothing.
      t = await t.restart();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await get(t.url, '/api/jobs')).body.jobs.length, 6);
    } finally {
      await t.dispose();
    }
  });

  it('a job whose new file was already in place when the service died is complete after the restart, not run again', async () => {
    let t = await startTestApp();
    try {
      const input = await clips.copyTo(await clips.h264(), join(t.media, 'movie.mp4'));
      await post(t.url, '/api/queue/pause');
      await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' });
      const job = await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs[0], 'job');
      await t.stop();
      // What a SIGKILL right after the swap leaves: the job `running`, its intent on disk, the new
      // file published under the final name (here: a hard link of the staged file), the original still there.
      const staging = join(t.media, `.movie.0000000000000000.shrinkray.part.mkv`);
      await writeFile(staging, 'NEW FILE');
      const final = join(t.media, 'movie.mkv');
      await link(staging, final);
      const [s, i] = await Promise.all([stat(staging), stat(input)]);
      const intent: FinalizeIntent = { input, final, staging, dev: s.dev, ino: s.ino, size: s.size, replacesInput: false, inputDev: i.dev, inputIno: i.ino };
      const store = await JobStore.open(t.data);
      store.putJob({ ...job, status: 'running', started_at: new Date().toISOString() }, 1);
      store.setMeta('finalizing', { [job.id]: intent });
      store.setMeta('paused', false);
      await store.close();
      t = await t.restart();
      const after = await waitFor(async () => {
        const j = (await get(t.url, `/api/jobs/${job.id}`)).body;
        return j.status !== 'pending' && j.status !== 'running' ? j : undefined;
      }, 'job settled');
      assert.equal(after.status, 'complete');
      assert.equal(after.output_path, final);
      assert.equal(after.output_size, 'NEW FILE'.length);
      assert.deepEqual(await readdir(t.media), ['movie.mkv'], 'the original went, the staged name too');
      // And it stays complete: another restart does not touch it.
      t = await t.restart();
      assert.equal((await get(t.url, `/api/jobs/${job.id}`)).body.status, 'complete');
    } finally {
      await t.dispose();
    }
  });
});

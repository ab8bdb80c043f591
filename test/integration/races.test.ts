import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { get, post, waitFor } from '../helpers/http.js';

const clips = new ClipFactory();

/** Races the review found (D4, D22): each request pair fired at once, several times over. */
describe('races: one holder per file and per output name (D4, D22)', function () {
  this.timeout(180_000);
  let t: TestApp | undefined;
  after(() => clips.dispose());
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  const jobs = async (app: TestApp) => (await get(app.url, '/api/jobs')).body.jobs as any[];

  it('concurrent retries of one failed job, and a create of the same file meanwhile, queue it once', async () => {
    t = await startTestApp();
    const app = t;
    await post(app.url, '/api/queue/pause');
    const file = await clips.copyTo(await clips.garbage(), join(app.media, 'r', 'a.mkv'));
    await post(app.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const failed = await waitFor(async () => (await jobs(app)).find((j) => j.status === 'failed'), 'failed job');
    // The file is fixed; now many clients retry at once while an automation queues the folder.
    await rm(file);
    await clips.copyTo(await clips.h264(), file);
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([
        ...Array.from({ length: 6 }, () => post(app.url, `/api/jobs/${failed.id}/retry`)),
        post(app.url, '/api/jobs', { paths: [join(app.media, 'r')], preset_id: 'compress-hevc' }),
      ]);
      await app.app.service.idle();
      const active = (await jobs(app)).filter((j) => j.input_path === file && (j.status === 'pending' || j.status === 'running'));
      assert.equal(active.length, 1, `round ${round}: ${JSON.stringify(answers.map((a) => a.status))}`);
      if (round === 0) assert.equal(answers.filter((a) => a.status === 200).length <= 1, true);
    }
  });

  it('several folders queued at once: their probes share one stop signal without a MaxListenersExceededWarning', async () => {
    t = await startTestApp();
    const app = t;
    await post(app.url, '/api/queue/pause');
    const clip = await clips.h264(1);
    for (let f = 0; f < 4; f++) for (let i = 0; i < 6; i++) await clips.copyTo(clip, join(app.media, `many${f}`, `c${i}.mp4`));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      // Four requests probe four files each at once: 16 listeners on the service's one signal.
      const answers = await Promise.all(Array.from({ length: 4 }, (_, f) => post(app.url, '/api/jobs', { paths: [join(app.media, `many${f}`)], preset_id: 'compress-hevc' })));
      assert.deepEqual(answers.map((a) => a.status), [202, 202, 202, 202]);
      await app.app.service.idle();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal((await jobs(app)).length, 24);
    assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
  });

  it('Clip.avi and Clip.mp4 in one folder (two workers, replace): one output, the other fails clearly, its original intact', async () => {
    for (let run = 0; run < 2; run++) {
      t = await startTestApp({ overrides: { workers: 2, original_handling: 'replace' } });
      const app = t;
      const dir = join(app.media, 'same');
      const avi = await clips.copyTo(await clips.h264(3), join(dir, 'Clip.avi'));
      const mp4 = await clips.copyTo(await clips.h264(2), join(dir, 'Clip.mp4'));
      const mp4Bytes = await readFile(mp4);
      const aviBytes = await readFile(avi);
      await post(app.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' });
      const done = await waitFor(async () => {
        const list = await jobs(app);
        return list.length === 2 && list.every((j) => j.status !== 'pending' && j.status !== 'running') ? list : undefined;
      }, 'both jobs finished', 120_000);
      const complete = done.filter((j) => j.status === 'complete');
      const failed = done.filter((j) => j.status === 'failed');
      assert.equal(complete.length, 1, JSON.stringify(done.map((j) => [j.input_path, j.status, j.error])));
      assert.equal(failed.length, 1);
      assert.match(failed[0].error, /Clip\.mkv already exists .*original is untouched/);
      const names = (await readdir(dir)).sort();
      // The winner's original went after its output was in place; the loser's is byte-identical.
      const loser = failed[0].input_path as string;
      assert.deepEqual(names, ['Clip.mkv', loser.endsWith('.avi') ? 'Clip.avi' : 'Clip.mp4'].sort());
      assert.deepEqual(await readFile(loser), loser.endsWith('.avi') ? aviBytes : mp4Bytes);
      await t.dispose();
      t = undefined;
    }
  });
});

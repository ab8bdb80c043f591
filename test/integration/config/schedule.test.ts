import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipFactory } from '../../helpers/clips.js';
import { api, get, post, waitFor } from '../../helpers/http.js';
import { type ConfigTestApp, startFromConfig } from './start.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduling window with an injected clock (D10, integration)', function () {
  this.timeout(60_000);
  const clips = new ClipFactory();
  let t: ConfigTestApp;
  let now: Date;

  beforeEach(async () => {
    now = new Date(2026, 5, 1, 12, 0, 0); // noon, local time
    // The pool looks at the window every 50 ms here instead of upstream's 30 s.
    t = await startFromConfig({ clock: () => now, scheduleRecheckMs: 50 });
  });
  afterEach(() => t.dispose());
  after(() => clips.dispose());

  const jobs = async () => (await get(t.url, '/api/jobs')).body.jobs as Array<{ id: string; status: string; input_path: string }>;

  it('holds jobs added outside the window, starts them when the clock enters it, lets a running one finish', async () => {
    const put = await api(t.url, 'PUT', '/api/config', { schedule_enabled: true, schedule_start_hour: 22, schedule_end_hour: 6 });
    assert.equal(put.status, 200);
    const dir = join(t.media, 'night');
    await mkdir(dir, { recursive: true });
    const clip = await clips.h264(1);
    await clips.copyTo(clip, join(dir, 'a.mp4'));
    await clips.copyTo(clip, join(dir, 'b.mp4'));

    // Jobs can always be added.
    assert.equal((await post(t.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' })).status, 202);
    await waitFor(async () => (await jobs()).length === 2, 'two jobs');
    await sleep(400); // eight looks at the window
    assert.deepEqual((await jobs()).map((j) => j.status), ['pending', 'pending']);

    // 23:00: inside the window. The first job starts; then the window closes under it.
    now = new Date(2026, 5, 1, 23, 0, 0);
    const first = await waitFor(async () => (await jobs()).find((j) => j.status === 'running'), 'a start inside the window', 10_000);
    now = new Date(2026, 5, 2, 7, 0, 0);
    const finished = await waitFor(async () => {
      const job = (await jobs()).find((j) => j.id === first.id);
      return job && job.status !== 'running' ? job : undefined;
    }, 'the running job to finish', 30_000);
    assert.ok(['complete', 'skipped'].includes(finished.status), `running job finished (${finished.status}), not requeued`);
    await sleep(400);
    assert.equal((await jobs()).find((j) => j.id !== first.id)?.status, 'pending', 'nothing new starts outside the window');

    // Turning the schedule off applies at once, without waiting for the next look.
    assert.equal((await api(t.url, 'PUT', '/api/config', { schedule_enabled: false })).status, 200);
    await waitFor(async () => (await jobs()).every((j) => j.status !== 'pending'), 'the held job to start once the schedule is off', 10_000);
  });
});

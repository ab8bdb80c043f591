import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { get, post, waitFor } from '../helpers/http.js';

const clips = new ClipFactory();

/** D20: two instances on one machine share a temp folder (the OS default) and never touch each other's files. */
describe('two instances, one temp folder (D20)', function () {
  this.timeout(120_000);
  let shared: string;
  let a: TestApp | undefined;
  let b: TestApp | undefined;
  before(async () => {
    shared = await mkdtemp(join(tmpdir(), 'shared-temp-'));
  });
  after(async () => {
    await a?.dispose();
    await b?.dispose();
    await rm(shared, { recursive: true, force: true });
    await clips.dispose();
  });

  it("a second instance starting up leaves the first one's running job and temp file alone", async () => {
    a = await startTestApp({ overrides: { temp_path: shared } });
    const first = a;
    const file = await clips.copyTo(await clips.slow(8), join(first.media, 'long.mkv'));
    await post(first.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    await waitFor(async () => (await get(first.url, '/api/jobs')).body.jobs[0]?.progress > 0, 'the first job making progress', 60_000);
    const tempFile = (await readdir(shared)).find((n) => n.includes('.shrinkray.tmp.'));
    assert.ok(tempFile, 'the first instance writes its temp file in the shared folder');
    // Another instance (its own data folder) starts on the same temp folder: its startup cleanup runs.
    const otherRoot = await mkdtemp(join(tmpdir(), 'shrinkray-test-'));
    await mkdir(join(otherRoot, 'media'));
    b = await startTestApp({ root: otherRoot, overrides: { temp_path: shared } });
    assert.ok((await readdir(shared)).includes(tempFile), "the second instance removed the first one's temp file");
    const done = await waitFor(async () => {
      const job = (await get(first.url, '/api/jobs')).body.jobs[0];
      return job.status !== 'running' && job.status !== 'pending' ? job : undefined;
    }, 'the first job finished', 90_000);
    assert.equal(done.status, 'complete', done.error);
  });
});

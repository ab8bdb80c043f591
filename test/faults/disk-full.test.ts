import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { get, post, waitFor } from '../helpers/http.js';
import { FaultReport } from './report.js';

const run = promisify(execFile);
const clips = new ClipFactory();
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** A small tmpfs at `dir`, or false where mounting is not allowed (then a file-size limit stands in). */
async function mountSmall(dir: string, bytes: number): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    return true;
  } catch {
    return false;
  }
}

const unmount = (dir: string) => run('umount', [dir]).catch(() => undefined);

/**
 * An ffmpeg that may not write files larger than `kib` KiB (`ulimit -f`, the signal ignored so
 * write() fails with EFBIG like a full disk fails with ENOSPC): the stand-in where no tmpfs can be
 * mounted.
 */
async function limitedFfmpeg(dir: string, kib: number): Promise<string> {
  const path = join(dir, 'ffmpeg-limited');
  await writeFile(path, `#!/bin/sh\ntrap '' XFSZ\nulimit -f ${Math.ceil(kib)}\nexec ffmpeg "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

describe('fault suite: disk full (D11)', function () {
  this.timeout(180_000);
  const report = new FaultReport('disk full');
  let t: TestApp | undefined;
  let root: string;
  const mounts: string[] = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'shrinkray-full-'));
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    for (const m of mounts.splice(0)) await unmount(m);
    await rm(root, { recursive: true, force: true });
  });
  after(async () => {
    report.print();
    await clips.dispose();
  });

  const finished = (app: TestApp) =>
    waitFor(async () => {
      const job = (await get(app.url, '/api/jobs')).body.jobs[0];
      return job && job.status !== 'pending' && job.status !== 'running' ? job : undefined;
    }, 'the job finished', 60_000);

  it('the temp folder fills up while ffmpeg writes: the job fails saying so, the original is intact, no temp file is left', async () => {
    const temp = join(root, 'small-temp');
    const mounted = await mountSmall(temp, 8 * 1024);
    if (mounted) mounts.push(temp);
    const ffmpegPath = mounted ? 'ffmpeg' : await limitedFfmpeg(root, 8);
    report.note(mounted ? 'temp on a 8 KiB tmpfs' : 'no mount allowed here: ffmpeg under a 8 KiB file-size limit');
    t = await startTestApp({ root, overrides: { temp_path: temp, ffmpeg_path: ffmpegPath } });
    const file = await clips.copyTo(await clips.h264(4), join(t.media, 'movie.mp4'));
    const before = await sha(file);
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const job = await finished(t);
    report.count('temp folder full', job.status);
    assert.equal(job.status, 'failed');
    assert.match(job.error, mounted ? /the disk is full/ : /the disk is full|too large/);
    assert.equal(await sha(file), before);
    assert.deepEqual(await readdir(temp).then((names) => names.filter((n) => n !== 'lost+found')), []);
    assert.deepEqual(await readdir(t.media), ['movie.mp4']);
  });

  it('the media folder cannot take the new file beside the original: the job fails, the original is intact, nothing staged is left', async function () {
    const media = join(root, 'small-media');
    // Room for the original (468 KB) and a little more, but not for the ~117 KB output beside it.
    if (!(await mountSmall(media, 512 * 1024))) {
      report.note('no mount allowed here: the copy-into-place case is skipped');
      this.skip();
    }
    mounts.push(media);
    const temp = join(root, 'temp');
    const file = await clips.copyTo(await clips.h264(4), join(media, 'movie.mp4'));
    // Fill the rest so the staged copy cannot be written.
    const { statfs } = await import('node:fs/promises');
    const free = await statfs(media);
    await writeFile(join(media, '.filler'), Buffer.alloc(Math.max(0, Number(free.bavail) * Number(free.bsize) - 16 * 1024)));
    const before = await sha(file);
    t = await startTestApp({ root, overrides: { media_paths: [media], temp_path: temp } });
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const job = await finished(t);
    report.count('media folder full at the swap', job.status);
    assert.equal(job.status, 'failed');
    assert.match(job.error, /disk .*full.*original is untouched/);
    assert.equal(await sha(file), before);
    assert.deepEqual((await readdir(media)).filter((n) => n !== 'lost+found').sort(), ['.filler', 'movie.mp4']);
    assert.deepEqual(await readdir(temp), []);
  });
});

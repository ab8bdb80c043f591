import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, byDirThenName, worst } from '../../../src/browse/browser.js';
import { AppError } from '../../../src/errors.js';
import type { Job, QueueEvent } from '../../../src/jobs/types.js';
import type { ProbeResult } from '../../../src/media/probe-parse.js';

/** A fake ffprobe: the "width" is the file's size, so a replaced file shows a new value. */
function fakeProbe(calls: string[]) {
  return async (path: string): Promise<ProbeResult> => {
    calls.push(path);
    const { size } = await stat(path);
    return {
      size,
      duration_ms: 1000,
      bitrate: 1,
      format: 'matroska',
      video: { index: 0, codec: 'h264', width: size, height: 1, frame_rate: 10, profile: '', pix_fmt: 'yuv420p', bit_depth: 8, is_hdr: false, color_transfer: '', color_primaries: '', color_space: '' },
      audio: [],
      subtitles: [],
      attachments: [],
      coverArt: [],
    };
  };
}

describe('Browser (listing rules)', () => {
  let base: string;
  let media: string;
  let share: string;
  let calls: string[];
  let browser: Browser;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'shrinkray-browser-'));
    media = join(base, 'media');
    share = join(base, 'share');
    await mkdir(join(media, 'b-folder'), { recursive: true });
    await mkdir(join(media, 'A-folder'), { recursive: true });
    await mkdir(join(media, '.hidden-folder'), { recursive: true });
    await mkdir(share, { recursive: true });
    await mkdir(join(base, 'outside'), { recursive: true });
    await writeFile(join(base, 'outside', 'secret.mkv'), 'secret');
    await writeFile(join(media, 'c.mkv'), 'x'.repeat(30));
    await writeFile(join(media, 'B.mp4'), 'x'.repeat(20));
    await writeFile(join(media, 'readme.txt'), 'hi');
    await writeFile(join(media, '.hidden.mkv'), 'x');
    await writeFile(join(media, 'c.0123456789abcdef.shrinkray.tmp.mkv'), 'x');
    await symlink(join(base, 'outside'), join(media, 'out-dir'));
    await symlink(join(base, 'outside', 'secret.mkv'), join(media, 'out-file.mkv'));
    await symlink(join(media, 'c.mkv'), join(media, 'in-link.mkv'));
    calls = [];
    browser = new Browser({ roots: () => [media, share], probe: fakeProbe(calls) });
  });
  afterEach(async () => {
    await browser.close();
    await rm(base, { recursive: true, force: true });
  });

  it('lists folders first, then files, case-insensitively; hidden, temp and escaping entries left out', async () => {
    const result = await browser.browse(media);
    assert.deepEqual(
      result.entries.map((e) => e.name),
      ['A-folder', 'b-folder', 'B.mp4', 'c.mkv', 'in-link.mkv', 'readme.txt'],
    );
    assert.equal(result.path, media);
    assert.equal(result.parent, '');
  });

  it('probes video files only, and gives files zero counts and no state', async () => {
    const result = await browser.browse(media);
    const c = result.entries.find((e) => e.name === 'c.mkv');
    assert.equal(c?.video_info?.width, 30);
    assert.equal(c?.size, 30);
    assert.equal(c?.file_count, 0);
    assert.equal(c?.counts_state, undefined);
    assert.equal(result.entries.find((e) => e.name === 'readme.txt')?.video_info, undefined);
    assert.ok(!calls.some((p) => p.endsWith('.txt')));
    const folder = result.entries.find((e) => e.name === 'A-folder');
    assert.equal(folder?.is_dir, true);
    assert.ok(folder?.counts_state);
  });

  it('re-probes a file that was replaced, not one that was only looked at again', async () => {
    await browser.browse(media);
    await browser.browse(media);
    const before = calls.filter((p) => p.endsWith('/c.mkv')).length;
    assert.equal(before, 1);
    await writeFile(join(base, 'new.mkv'), 'y'.repeat(44));
    await rename(join(base, 'new.mkv'), join(media, 'c.mkv'));
    const after = await browser.browse(media);
    assert.equal(after.entries.find((e) => e.name === 'c.mkv')?.video_info?.width, 44);
  });

  it('lists the roots when no path is given', async () => {
    const result = await browser.browse();
    assert.equal(result.path, '');
    assert.equal(result.parent, undefined);
    assert.deepEqual(result.entries.map((e) => e.path), [media, share]);
    assert.ok(result.entries.every((e) => e.is_dir));
  });

  it('gives the parent inside a root, and refuses what is outside with a 4xx AppError', async () => {
    assert.equal((await browser.browse(join(media, 'A-folder'))).parent, media);
    const status = async (path: string) => browser.browse(path).then(() => 200, (e: unknown) => (e instanceof AppError ? e.status : 500));
    assert.equal(await status(join(media, 'out-dir')), 403);
    assert.equal(await status(`${media}/..`), 403);
    assert.equal(await status(join(media, 'missing')), 404);
    assert.equal(await status(join(media, 'c.mkv')), 400);
  });

  it('the folder total comes from the background count', async () => {
    await browser.browse(media);
    await browser.counts.idle();
    const result = await browser.browse(media);
    // c.mkv + B.mp4; the link to c.mkv and everything hidden or outside do not count.
    assert.deepEqual([result.counts_state, result.video_count, result.total_size], ['ready', 2, 50]);
  });

  it('a finished job makes its folders stale and its file probed again', async () => {
    const listeners: Array<(e: QueueEvent) => void> = [];
    const unwatch = browser.watch({
      subscribe: (l) => {
        listeners.push(l);
        return () => listeners.splice(0);
      },
    });
    await browser.browse(media);
    await browser.counts.idle();
    assert.equal((await browser.browse(media)).counts_state, 'ready');
    const job = { input_path: join(media, 'c.mkv'), output_path: join(media, 'c.mkv') } as Job;
    for (const l of listeners) l({ type: 'progress', job });
    assert.equal((await browser.browse(media)).counts_state, 'ready', 'only complete counts');
    for (const l of listeners) l({ type: 'complete', job });
    assert.equal((await browser.browse(media)).counts_state, 'stale');
    assert.equal(calls.filter((p) => p.endsWith('/c.mkv')).length, 2);
    unwatch();
    assert.equal(listeners.length, 0);
  });

  it('sorting and state helpers', () => {
    const e = (name: string, is_dir: boolean) => ({ name, path: name, is_dir, size: 0, mod_time: '', file_count: 0, total_size: 0 });
    assert.deepEqual([e('b', false), e('Z', true), e('a', false), e('B', false)].sort(byDirThenName).map((x) => x.name), ['Z', 'a', 'B', 'b']);
    assert.equal(worst([]), 'ready');
    assert.equal(worst(['ready', 'stale']), 'stale');
    assert.equal(worst(['stale', 'unknown']), 'unknown');
    assert.equal(worst(['unknown', 'error', 'ready']), 'error');
  });
});

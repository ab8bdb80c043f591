import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirSig, FolderCounts } from '../../../src/browse/folder-counts.js';
import { isCandidateVideo } from '../../../src/media/files.js';

/** Writes `bytes` bytes at `path`, creating folders. */
async function file(path: string, bytes: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, Buffer.alloc(bytes));
}

describe('folder counts (background, recursive)', () => {
  let root: string;
  let now: number;
  let counts: FolderCounts;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'shrinkray-counts-'));
    now = 1_000_000;
    // Tree: 4 videos, 1000 bytes in all, plus things that must not count.
    await file(join(root, 'Movies', 'a.mkv'), 100);
    await file(join(root, 'Movies', 'b.MP4'), 200);
    await file(join(root, 'Movies', 'notes.txt'), 5000);
    await file(join(root, 'Movies', '.hidden.mkv'), 5000);
    await file(join(root, 'Movies', 'a.0123456789abcdef.shrinkray.tmp.mkv'), 5000);
    await file(join(root, 'TV', 'Show', 'S01', 'e1.mkv'), 300);
    await file(join(root, 'TV', 'Show', 'S01', 'e2.ts'), 400);
    await file(join(root, '.trash', 'old.mkv'), 5000);
    await mkdir(join(root, 'Empty'));
    const outside = await mkdtemp(join(tmpdir(), 'shrinkray-outside-'));
    await file(join(outside, 'big.mkv'), 9000);
    await symlink(outside, join(root, 'link-out'));
    await symlink(join(outside, 'big.mkv'), join(root, 'TV', 'big.mkv'));
    counts = new FolderCounts({ isCounted: isCandidateVideo, now: () => now });
  });
  afterEach(async () => {
    await counts.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers at once with unknown, then counts in the background', async () => {
    const first = counts.view(root);
    assert.deepEqual(first, { file_count: 0, total_size: 0, counts_state: 'unknown', counts_updated_at: null });
    await counts.idle();
    const ready = counts.view(root);
    assert.equal(ready.counts_state, 'ready');
    assert.equal(ready.file_count, 4);
    assert.equal(ready.total_size, 1000);
    assert.equal(ready.counts_updated_at, new Date(now).toISOString());
  });

  it('one walk fills every folder below, skipping hidden entries, temp files, non-videos and symlinks', async () => {
    counts.view(root);
    await counts.idle();
    const expect = (path: string, n: number, size: number) => {
      const v = counts.view(join(root, path));
      assert.deepEqual([v.counts_state, v.file_count, v.total_size], ['ready', n, size], path);
    };
    expect('Movies', 2, 300);
    expect('TV', 2, 700);
    expect('TV/Show', 2, 700);
    expect('TV/Show/S01', 2, 700);
    expect('Empty', 0, 0);
  });

  it('a changed folder signature makes it and its parents stale, keeping the old values until recounted', async () => {
    counts.view(root);
    await counts.idle();
    const s01 = join(root, 'TV', 'Show', 'S01');
    await file(join(s01, 'e3.mkv'), 50);
    const seen = counts.view(s01, dirSig(await stat(s01)));
    assert.deepEqual([seen.counts_state, seen.file_count], ['stale', 2]);
    const top = counts.view(root);
    assert.deepEqual([top.counts_state, top.file_count, top.total_size], ['stale', 4, 1000]);
    await counts.idle();
    const after = counts.view(root);
    assert.deepEqual([after.counts_state, after.file_count, after.total_size], ['ready', 5, 1050]);
  });

  it('invalidate (a finished job) recounts the folder chain', async () => {
    counts.view(root);
    await counts.idle();
    await file(join(root, 'Movies', 'a.mkv'), 10);
    counts.invalidate(join(root, 'Movies'));
    assert.equal(counts.view(join(root, 'Movies')).counts_state, 'stale');
    await counts.idle();
    assert.equal(counts.view(join(root, 'Movies')).total_size, 210);
    counts.view(root);
    await counts.idle();
    assert.equal(counts.view(root).total_size, 910);
  });

  it('counts that are too old are refreshed when viewed', async () => {
    counts.view(root);
    await counts.idle();
    await file(join(root, 'TV', 'Show', 'S01', 'deep.mkv'), 1);
    assert.equal(counts.view(root).counts_state, 'ready', 'a deep change is not visible at the top');
    now += 11 * 60_000;
    assert.equal(counts.view(root).counts_state, 'stale');
    await counts.idle();
    assert.equal(counts.view(root).file_count, 5);
  });

  it('a folder that cannot be read is in error, then recovers', async () => {
    const gone = join(root, 'gone');
    counts.view(gone);
    await counts.idle();
    const failed = counts.view(gone);
    assert.equal(failed.counts_state, 'error');
    assert.match(failed.counts_error ?? '', /ENOENT/);
    await counts.idle();
    await file(join(gone, 'x.mkv'), 7);
    counts.view(gone); // each view of a failed folder tries again
    await counts.idle();
    const back = counts.view(gone);
    assert.deepEqual([back.counts_state, back.file_count, back.counts_error], ['ready', 1, undefined]);
  });

  it('invalidateAll marks everything stale without losing values', async () => {
    counts.view(root);
    await counts.idle();
    counts.invalidateAll();
    const v = counts.view(join(root, 'Movies'));
    assert.deepEqual([v.counts_state, v.file_count], ['stale', 2]);
    await counts.idle();
    assert.equal(counts.view(join(root, 'Movies')).counts_state, 'ready');
  });
});

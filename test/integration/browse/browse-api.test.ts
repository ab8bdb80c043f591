import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpeg } from '../../helpers/clips.js';
import { get, post, waitFor } from '../../helpers/http.js';
import { type ConfigTestApp, startFromConfig } from '../config/start.js';

/** A 1-second H.264 clip of the given size (only where a real probe is needed). */
async function clip(out: string, size: string): Promise<void> {
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=10`, '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out]);
}

const filler = (path: string, bytes: number) => writeFile(path, Buffer.alloc(bytes, 1));
type Entry = { name: string; path: string; is_dir: boolean; size: number; video_info?: Record<string, unknown>; file_count: number; total_size: number; counts_state?: string };

describe('GET /api/browse (integration, D17)', function () {
  this.timeout(60_000);
  let base: string;
  let t: ConfigTestApp;
  let share: string;
  let outside: string;
  let clipSize: number;
  const browse = (path: string) => get(t.url, `/api/browse?path=${encodeURIComponent(path)}`);
  const entries = async (path: string) => (await browse(path)).body.entries as Entry[];

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'shrinkray-browse-'));
    share = join(base, 'share');
    outside = join(base, 'outside');
    const media = join(base, 'media');
    await mkdir(join(media, 'Movies', 'Nested', 'Deeper'), { recursive: true });
    await mkdir(join(media, 'tv'), { recursive: true });
    await mkdir(join(media, '.cache'), { recursive: true });
    await mkdir(join(share, 'Recordings'), { recursive: true });
    await mkdir(outside, { recursive: true });
    await clip(join(media, 'Movies', 'small.mkv'), '160x120');
    const { size } = await stat(join(media, 'Movies', 'small.mkv'));
    clipSize = size;
    await filler(join(media, 'Movies', 'Nested', 'one.mp4'), 1000);
    await filler(join(media, 'Movies', 'Nested', 'Deeper', 'two.m2ts'), 2000);
    await filler(join(media, 'Movies', 'Nested', 'poster.jpg'), 50_000);
    await filler(join(media, 'Movies', '.hidden.mkv'), 70_000);
    await filler(join(media, '.cache', 'x.mkv'), 80_000);
    await filler(join(media, 'tv', 'ep.mkv'), 300);
    await filler(join(share, 'Recordings', 'rec.ts'), 4000);
    await filler(join(outside, 'secret.mkv'), 99_000);
    await symlink(outside, join(media, 'escape'));
    await symlink(join(outside, 'secret.mkv'), join(media, 'Movies', 'linked-secret.mkv'));
    await symlink(join(share, 'Recordings'), join(media, 'recordings'));
    t = await startFromConfig({ root: base, argv: ['--media', share] });
  });
  after(async () => {
    await t.dispose();
  });

  it('lists the roots when no path is given', async () => {
    const res = await get(t.url, '/api/browse');
    assert.equal(res.status, 200);
    assert.equal(res.body.path, '');
    assert.equal(res.body.parent, undefined);
    assert.deepEqual(res.body.entries.map((e: Entry) => [e.path, e.is_dir]), [[t.media, true], [share, true]]);
    assert.ok(['unknown', 'stale', 'ready'].includes(res.body.counts_state));
  });

  it('folders first, then files; hidden entries and links leaving the roots are skipped', async () => {
    const res = await browse(t.media);
    assert.equal(res.status, 200);
    assert.equal(res.body.path, t.media);
    assert.equal(res.body.parent, '');
    assert.deepEqual(res.body.entries.map((e: Entry) => e.name), ['Movies', 'recordings', 'tv']);
    const movies = await entries(join(t.media, 'Movies'));
    assert.deepEqual(movies.map((e) => e.name), ['Nested', 'small.mkv']);
    assert.equal((await browse(join(t.media, 'Movies'))).body.parent, t.media);
  });

  it('video_info comes from a real probe; files carry zero counts', async () => {
    const small = (await entries(join(t.media, 'Movies'))).find((e) => e.name === 'small.mkv');
    assert.equal(small?.size, clipSize);
    assert.equal(small?.video_info?.width, 160);
    assert.equal(small?.video_info?.height, 120);
    assert.equal(small?.video_info?.video_codec, 'h264');
    assert.equal(small?.video_info?.is_hevc, false);
    assert.ok(Math.abs((small?.video_info?.duration as number) - 1e9) < 2e8, 'duration in nanoseconds');
    assert.equal(small?.file_count, 0);
    assert.equal(small?.total_size, 0);
  });

  it('recursive counts arrive in the background, nested folders included', async () => {
    const ready = await waitFor(async () => {
      const res = await browse(t.media);
      return res.body.counts_state === 'ready' && res.body.entries.every((e: Entry) => e.counts_state === 'ready') ? res.body : undefined;
    }, 'counts to be ready', 10_000);
    const byName = Object.fromEntries((ready.entries as Entry[]).map((e) => [e.name, e]));
    assert.deepEqual([byName.Movies?.file_count, byName.Movies?.total_size], [3, clipSize + 3000]);
    assert.deepEqual([byName.tv?.file_count, byName.tv?.total_size], [1, 300]);
    assert.equal(ready.video_count, 4, 'the root: Movies + tv, not hidden files, not links');
    assert.equal(ready.total_size, clipSize + 3300);
    const nested = await entries(join(t.media, 'Movies', 'Nested'));
    assert.deepEqual(nested.map((e) => [e.name, e.file_count, e.total_size, e.counts_state ?? '-']), [
      ['Deeper', 1, 2000, 'ready'],
      ['one.mp4', 0, 0, '-'],
      ['poster.jpg', 0, 0, '-'],
    ]);
  });

  it('a replaced file is probed again (inode/size/mtime) and its folder recounted', async () => {
    const movies = join(t.media, 'Movies');
    assert.equal((await entries(movies)).find((e) => e.name === 'small.mkv')?.video_info?.width, 160);
    const tmp = join(base, 'replacement.mkv');
    await clip(tmp, '320x240');
    await rename(tmp, join(movies, 'small.mkv'));
    const after = (await entries(movies)).find((e) => e.name === 'small.mkv');
    assert.equal(after?.video_info?.width, 320);
    await waitFor(async () => {
      const m = (await entries(t.media)).find((e) => e.name === 'Movies');
      return m?.counts_state === 'ready' && m.total_size === (after?.size ?? 0) + 3000;
    }, 'the folder total to follow the new file', 10_000);
  });

  it('refuses paths outside the roots: .., URL-encoded, symlinks out, absolute elsewhere', async () => {
    const refused: Array<[string, number]> = [
      [`path=${encodeURIComponent(`${t.media}/..`)}`, 403],
      [`path=${t.media}/../outside`, 403],
      [`path=${t.media}%2F..%2F..%2F..%2Fetc`, 403],
      [`path=${t.media}/%2e%2e/%2e%2e/etc`, 403],
      [`path=${t.media}/%252e%252e/etc`, 404],
      [`path=${encodeURIComponent(join(t.media, 'escape'))}`, 403],
      [`path=${encodeURIComponent(join(t.media, 'escape', 'not-there'))}`, 403],
      [`path=${encodeURIComponent(join(t.media, 'Movies', 'linked-secret.mkv'))}`, 403],
      ['path=/etc', 403],
      ['path=/etc/no-such-file', 403],
      ['path=%2Fetc%2Fpasswd', 403],
      ['path=Movies', 400],
      [`path=${encodeURIComponent(join(t.media, 'Movies', 'small.mkv'))}`, 400],
      [`path=${encodeURIComponent(join(t.media, 'nope'))}`, 404],
      [`path=${encodeURIComponent(t.media)}&path=${encodeURIComponent(share)}`, 400],
    ];
    for (const [query, status] of refused) {
      const res = await get(t.url, `/api/browse?${query}`);
      assert.equal(res.status, status, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, 'string');
    }
  });

  it('every root is browsable, and a link from one root into another is followed', async () => {
    assert.deepEqual((await entries(share)).map((e) => e.name), ['Recordings']);
    const viaLink = await browse(join(t.media, 'recordings'));
    assert.equal(viaLink.status, 200);
    assert.equal(viaLink.body.path, join(share, 'Recordings'));
    assert.deepEqual(viaLink.body.entries.map((e: Entry) => e.name), ['rec.ts']);
  });

  it('POST /api/cache/clear forgets probes and recounts in the background', async () => {
    const deeper = join(t.media, 'Movies', 'Nested', 'Deeper');
    await filler(join(deeper, 'three.mkv'), 5);
    const res = await post(t.url, '/api/cache/clear');
    assert.deepEqual([res.status, res.body], [200, { status: 'cache cleared' }]);
    await waitFor(async () => {
      const root = (await browse(t.media)).body;
      return root.counts_state === 'ready' && root.video_count === 5;
    }, 'the recount after clearing', 10_000);
  });
});

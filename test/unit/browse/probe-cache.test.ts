import assert from 'node:assert/strict';
import { ProbeCache } from '../../../src/browse/probe-cache.js';
import type { ProbeResult } from '../../../src/media/probe-parse.js';

const result = (width: number): ProbeResult => ({
  size: 1000,
  duration_ms: 2500,
  bitrate: 64000,
  format: 'matroska,webm',
  video: { index: 0, codec: 'hevc', width, height: 120, frame_rate: 10, profile: 'Main', pix_fmt: 'yuv420p', bit_depth: 8, is_hdr: false, color_transfer: '', color_primaries: '', color_space: '' },
  audio: [{ index: 1, codec: 'aac' }],
  subtitles: [],
  attachments: [],
  coverArt: [],
});

describe('probe cache (browse)', () => {
  let calls: string[];
  let width: number;
  let fail: boolean;
  let cache: ProbeCache;
  let active: number;
  let maxActive: number;
  const sig = { ino: 10, size: 1000, mtimeMs: 5 };

  beforeEach(() => {
    calls = [];
    width = 160;
    fail = false;
    active = 0;
    maxActive = 0;
    cache = new ProbeCache({
      probe: async (path) => {
        calls.push(path);
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 5));
        active -= 1;
        if (fail) throw new Error('ffprobe failed');
        return result(width);
      },
      maxEntries: 3,
      concurrency: 2,
    });
  });

  it('maps the probe to video_info with upstream names (duration in ns)', async () => {
    const info = await cache.get('/m/a.mkv', sig);
    assert.equal(info?.path, '/m/a.mkv');
    assert.equal(info?.duration, 2_500_000_000);
    assert.equal(info?.video_codec, 'hevc');
    assert.equal(info?.audio_codec, 'aac');
    assert.equal(info?.is_hevc, true);
    assert.equal(info?.is_av1, false);
    assert.equal(info?.width, 160);
  });

  it('hits while inode, size and mtime match; probes again when any changes', async () => {
    await cache.get('/m/a.mkv', sig);
    await cache.get('/m/a.mkv', { ...sig });
    assert.equal(calls.length, 1);
    for (const changed of [{ ...sig, ino: 11 }, { ...sig, ino: 11, size: 999 }, { ino: 11, size: 999, mtimeMs: 6 }]) {
      width += 1;
      const info = await cache.get('/m/a.mkv', changed);
      assert.equal(info?.width, width);
    }
    assert.equal(calls.length, 4);
    assert.equal(cache.probes, 4);
  });

  it('probes one file once however many ask at the same time, and at most `concurrency` at once', async () => {
    const infos = await Promise.all([1, 2, 3].map(() => cache.get('/m/a.mkv', sig)));
    assert.equal(calls.length, 1);
    assert.ok(infos.every((i) => i?.width === 160));
    await Promise.all(['b', 'c', 'd', 'e', 'f'].map((n) => cache.get(`/m/${n}.mkv`, sig)));
    assert.equal(maxActive, 2);
  });

  it('remembers a failed probe for that version of the file', async () => {
    fail = true;
    assert.equal(await cache.get('/m/bad.mkv', sig), undefined);
    assert.equal(await cache.get('/m/bad.mkv', sig), undefined);
    assert.equal(calls.length, 1);
    fail = false;
    assert.equal((await cache.get('/m/bad.mkv', { ...sig, size: 1 }))?.width, 160);
  });

  it('evicts the least recently used beyond its size; clear and invalidate forget', async () => {
    for (const name of ['a', 'b', 'c']) await cache.get(`/m/${name}.mkv`, sig);
    await cache.get('/m/a.mkv', sig); // a is now the most recent
    await cache.get('/m/d.mkv', sig); // evicts b
    assert.equal(cache.size, 3);
    await cache.get('/m/b.mkv', sig);
    assert.equal(calls.filter((c) => c === '/m/b.mkv').length, 2);
    assert.equal(calls.filter((c) => c === '/m/a.mkv').length, 1);
    cache.invalidate('/m/a.mkv');
    await cache.get('/m/a.mkv', sig);
    assert.equal(calls.filter((c) => c === '/m/a.mkv').length, 2);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  it('a probe that started before a clear does not refill the cache', async () => {
    const pending = cache.get('/m/a.mkv', sig);
    cache.clear();
    await pending;
    assert.equal(cache.size, 0);
  });
});

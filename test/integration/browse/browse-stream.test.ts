import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { ClipFactory } from '../../helpers/clips.js';
import { get, post } from '../../helpers/http.js';
import { SseRecorder } from '../../helpers/sse.js';

const filler = (path: string, bytes: number) => writeFile(path, Buffer.alloc(bytes, 1));
const clips = new ClipFactory();

describe('GET /api/browse/stream and POST /api/browse/reconcile (upstream UI compatibility)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let sse: SseRecorder | undefined;
  afterEach(async () => {
    await sse?.close();
    sse = undefined;
    await t?.dispose();
  });
  after(() => clips.dispose());

  it('with exactly one media root, GET /api/browse without a path lists that root itself (no parent)', async () => {
    t = await startTestApp();
    await mkdir(join(t.media, 'Show'));
    const res = await get(t.url, '/api/browse');
    assert.equal(res.status, 200);
    assert.equal(res.body.path, t.media);
    assert.equal(res.body.parent, undefined);
    assert.deepEqual(res.body.entries.map((e: { name: string }) => e.name), ['Show']);
    assert.equal((await get(t.url, `/api/browse?path=${encodeURIComponent(t.media)}`)).body.parent, undefined);
    assert.equal((await get(t.url, `/api/browse?path=${encodeURIComponent(join(t.media, 'Show'))}`)).body.parent, t.media);
  });

  it('streams the folder (totals) and its child folders as they are counted; reconcile recounts from the disk', async () => {
    t = await startTestApp();
    const show = join(t.media, 'Show');
    await mkdir(join(show, 'Season 1'), { recursive: true });
    await filler(join(show, 'Season 1', 'e1.mkv'), 1000);
    await filler(join(show, 'Season 1', 'e2.mp4'), 2000);
    await filler(join(show, 'notes.txt'), 50);
    sse = new SseRecorder(`${t.url}/api/browse/stream?path=${encodeURIComponent(t.media)}`);
    await sse.waitFor((e) => e.type === 'totals' && e.path === t.media, 'totals of the root');
    assert.equal(sse.status, 200);
    assert.match(sse.headers?.get('content-type') ?? '', /text\/event-stream/);
    const listing = await get(t.url, `/api/browse?path=${encodeURIComponent(t.media)}`);
    assert.equal(listing.body.entries[0].path, show);
    const child = await sse.waitFor((e) => e.path === show && e.counts_state === 'ready', 'Show counted');
    assert.equal(child.type, undefined, 'child folders are unnamed count events');
    assert.deepEqual([child.file_count, child.total_size], [2, 3000]);
    assert.ok(child.counts_updated_at);
    const totals = await sse.waitFor((e) => e.type === 'totals' && e.path === t.media && e.counts_state === 'ready' && e.file_count === 2, 'root totals');
    assert.equal(totals.total_size, 3000);
    // Nothing deeper than one level is sent to this stream.
    assert.ok(!sse.events.some((e) => e.path === join(show, 'Season 1')));

    // A file appears where no folder signature above it changes (deep down): reconcile finds it.
    await filler(join(show, 'Season 1', 'e3.mkv'), 4000);
    const done = await post(t.url, `/api/browse/reconcile?path=${encodeURIComponent(t.media)}&recursive=true`);
    assert.deepEqual([done.status, done.body], [200, { status: 'reconciling' }]);
    const recounted = await sse.waitFor((e) => e.path === show && e.file_count === 3, 'Show recounted');
    assert.equal(recounted.total_size, 7000);
    await sse.waitFor((e) => e.type === 'totals' && e.file_count === 3, 'root recounted');
    assert.equal((await post(t.url, '/api/browse/reconcile')).status, 200, 'no path: every root');
  });

  it('checks paths like a browse: 403 outside the roots, 404 missing, 400 twice; never a stream', async () => {
    t = await startTestApp();
    for (const [path, status] of [
      [`/api/browse/stream?path=${encodeURIComponent(join(t.media, '..'))}`, 403],
      [`/api/browse/stream?path=${encodeURIComponent(join(t.media, 'missing'))}`, 404],
      [`/api/browse/stream?path=a&path=b`, 400],
      [`/api/browse/stream?path=relative`, 400],
    ] as const) {
      const res = await get(t.url, path);
      assert.equal(res.status, status, path);
      assert.equal(typeof res.body.error, 'string');
    }
    assert.equal((await post(t.url, `/api/browse/reconcile?path=${encodeURIComponent('/etc')}&recursive=true`)).status, 403);
    assert.equal((await get(t.url, '/api/browse/reconcile')).status, 405);
  });

  it('several roots: no path is the list of roots, and its stream carries each root', async () => {
    t = await startTestApp();
    const share = join(t.root, 'share');
    await mkdir(share);
    await t.stop();
    t = await t.restart({ media_paths: [t.media, share] });
    await filler(join(share, 'x.mkv'), 10);
    const res = await get(t.url, '/api/browse');
    assert.equal(res.body.path, '');
    assert.deepEqual(res.body.entries.map((e: { path: string }) => e.path), [t.media, share]);
    sse = new SseRecorder(`${t.url}/api/browse/stream`);
    await sse.waitFor((e) => e.path === share && e.file_count === 1, 'share counted');
    assert.ok(sse.events.some((e) => e.path === t.media));
    assert.ok(!sse.events.some((e) => e.type === 'totals'));
  });

  it('sends file_update when a job replaces a file in the folder being looked at', async () => {
    t = await startTestApp();
    const input = await clips.copyTo(await clips.h264(), join(t.media, 'clip.mp4'));
    sse = new SseRecorder(`${t.url}/api/browse/stream?path=${encodeURIComponent(t.media)}`);
    await sse.waitFor((e) => e.type === 'totals', 'first totals');
    assert.equal((await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' })).status, 202);
    const output = join(t.media, 'clip.mkv');
    const update = await sse.waitFor((e) => e.type === 'file_update' && e.path === output, 'file_update of the output');
    assert.equal(update.video_info.video_codec, 'hevc');
    assert.ok(update.size > 0);
    const gone = await sse.waitFor((e) => e.type === 'file_update' && e.path === input, 'file_update of the replaced input');
    assert.deepEqual([gone.size, gone.video_info], [0, null]);
  });
});

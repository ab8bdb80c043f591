import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ClipFactory } from '../../helpers/clips.js';
import { api, del, get, post, waitFor } from '../../helpers/http.js';
import { SseRecorder } from '../../helpers/sse.js';
import { type ConfigTestApp, startFromConfig } from '../config/start.js';
import { PushoverStandIn } from './pushover-stand-in.js';

const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

describe('Pushover notifications against a local stand-in (integration)', function () {
  this.timeout(60_000);
  const clips = new ClipFactory();
  let standIn: PushoverStandIn;
  let t: ConfigTestApp;
  let sse: SseRecorder | undefined;

  beforeEach(async () => {
    standIn = new PushoverStandIn();
    const url = await standIn.start();
    t = await startFromConfig({ argv: ['--pushover-url', url] });
  });
  afterEach(async () => {
    await sse?.close();
    sse = undefined;
    await t.dispose();
    await standIn.close();
  });
  after(() => clips.dispose());

  const configure = () => api(t.url, 'PUT', '/api/config', { pushover_user_key: USER, pushover_app_token: TOKEN });

  it('POST /api/pushover/test: not configured, sent, and each kind of error answer', async () => {
    const unconfigured = await post(t.url, '/api/pushover/test');
    assert.deepEqual([unconfigured.status, unconfigured.body], [400, { error: 'Pushover credentials not configured' }]);
    assert.equal((await configure()).status, 200);

    const ok = await post(t.url, '/api/pushover/test');
    assert.deepEqual([ok.status, ok.body], [200, { status: 'Test notification sent' }]);
    assert.deepEqual(standIn.received[0]?.form, {
      token: TOKEN,
      user: USER,
      title: 'Shrinkray',
      message: 'Test notification - Pushover is configured correctly!',
    });

    standIn.answer = { status: 400, body: '{"token":"invalid","errors":["application token is invalid"],"status":0,"request":"r"}' };
    const invalid = await post(t.url, '/api/pushover/test');
    assert.deepEqual([invalid.status, invalid.body], [400, { error: 'pushover error: application token is invalid' }]);

    standIn.answer = { status: 500, body: '' };
    const broken = await post(t.url, '/api/pushover/test');
    assert.deepEqual([broken.status, broken.body], [400, { error: 'pushover returned status 500' }]);
    assert.equal(standIn.received.length, 3);
  });

  it('an unreachable endpoint is a readable 400', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.dispose();
    t = await startFromConfig({ argv: ['--pushover-url', `http://127.0.0.1:${port}/1/messages.json`] });
    await configure();
    const res = await post(t.url, '/api/pushover/test');
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^failed to send notification: .*ECONNREFUSED/);
  });

  it('full round trip: the last job finishes, one message with counts and saving, notify_sent, flag off', async () => {
    await configure();
    assert.equal((await api(t.url, 'PUT', '/api/config', { notify_on_complete: true })).status, 200);
    sse = new SseRecorder(`${t.url}/api/jobs/stream`);
    await sse.waitFor((e) => e.type === 'init', 'init');
    const file = await clips.copyTo(await clips.h264(1), join(t.media, 'movie.mp4'));
    assert.equal((await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' })).status, 202);

    await sse.waitFor((e) => e.type === 'notify_sent', 'notify_sent', 30_000);
    const [message] = await standIn.waitFor(1);
    const stats = (await get(t.url, '/api/stats')).body;
    assert.equal(stats.complete, 1);
    assert.ok(stats.session_saved > 0);
    assert.equal(message?.form.title, 'Shrinkray Complete');
    assert.match(message?.form.message ?? '', /^1 jobs complete, 0 failed\nSaved \d+\.\d (KB|MB)$/);
    assert.deepEqual(sse.events.find((e) => e.type === 'notify_sent'), { type: 'notify_sent' });
    const types = sse.types();
    assert.ok(types.indexOf('complete') < types.indexOf('notify_sent'));
    assert.equal((await get(t.url, '/api/config')).body.notify_on_complete, false, 'one-shot');
    assert.equal(standIn.received.length, 1);
  });

  it('an error answer keeps the flag on; the next finished job sends it, and the flag survives a restart', async () => {
    await configure();
    await api(t.url, 'PUT', '/api/config', { notify_on_complete: true });
    standIn.answer = { status: 429, body: '{"errors":["application is over its message limit"],"status":0}' };
    // A job that never runs: paused queue, then cancelled. Cancelling the last pending job is a terminal event.
    await post(t.url, '/api/queue/pause');
    const file = await clips.copyTo(await clips.h264(1), join(t.media, 'a.mp4'));
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const first = await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs[0], 'the pending job');
    assert.equal((await del(t.url, `/api/jobs/${first.id}`)).status, 200);
    await standIn.waitFor(1);
    await waitFor(async () => (await get(t.url, '/api/config')).body.notify_on_complete === true, 'flag still on');

    await t.stop();
    t = await startFromConfig({ root: t.root, argv: ['--pushover-url', standIn.url] });
    assert.equal((await get(t.url, '/api/config')).body.notify_on_complete, true, 'persisted');
    standIn.answer = { status: 200, body: '{"status":1}' };
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const second = await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs.find((j: { status: string }) => j.status === 'pending'), 'a second pending job');
    await del(t.url, `/api/jobs/${second.id}`);
    const messages = await standIn.waitFor(2);
    assert.equal(messages[1]?.form.message, '0 jobs complete, 0 failed\nSaved 0 B');
    await waitFor(async () => (await get(t.url, '/api/config')).body.notify_on_complete === false, 'flag off after the send');
  });
});

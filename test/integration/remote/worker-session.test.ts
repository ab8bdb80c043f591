import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { EncoderInfo } from '../../../src/ffmpeg/encoders.js';
import { createLogger } from '../../../src/log.js';
import type { EncodeOutcome } from '../../../src/remote/encode.js';
import { RemoteWorker, workerTag } from '../../../src/remote/worker.js';
import { VERSION } from '../../../src/version.js';
import { type Broker, startBroker } from '../../helpers/broker.js';
import { waitFor } from '../../helpers/http.js';

const x265: EncoderInfo = { codec: 'hevc', encoder: 'libx265', accel: 'none', description: 'x265' };

/**
 * A coordinator that was killed (SIGKILL, power cut) never says goodbye; the one that starts in its
 * place publishes a new session and requeues every job it finds running (D9). A worker still
 * encoding for the dead one must stop at once rather than at its next renewal, so the requeued job is
 * never encoded twice at the same time.
 */
describe('a worker stops the jobs of a coordinator that restarted (issue 12)', function () {
  this.timeout(30_000);
  let broker: Broker;
  let root: string;
  let coordinator: MqttClient;
  let worker: RemoteWorker | undefined;

  beforeEach(async () => {
    broker = await startBroker();
    root = await mkdtemp(join(tmpdir(), 'shrinkray-session-'));
    coordinator = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-coordinator' });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await coordinator.endAsync();
    await broker.close();
    await rm(root, { recursive: true, force: true });
  });

  const announce = (session: string) =>
    coordinator.publishAsync('shrinkray/workers/coordinator', JSON.stringify({ v: 1, version: VERSION, online: true, session }), { qos: 1, retain: true });

  async function startWorker(encode: (signal: AbortSignal, temp: string) => Promise<EncodeOutcome>) {
    const inbox: Array<{ topic: string; body: Record<string, unknown> }> = [];
    coordinator.on('message', (topic, payload) => {
      if (payload.length > 0) inbox.push({ topic, body: JSON.parse(payload.toString()) });
    });
    await coordinator.subscribeAsync('shrinkray/workers/desk/+', { qos: 1 });
    const media = join(root, 'media');
    const opts = { help: false, mqttUrl: broker.url, mqttUsername: '', mqttPassword: '', baseTopic: 'shrinkray', name: 'desk', pathMaps: [{ coordinator: media, worker: media }], slots: 1, temp: join(root, 'temp'), ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', logLevel: 'error' as const, logFormat: 'json' as const, askRepeatMs: 60_000 };
    const encoders = { best: () => x265, available: () => [x265], ready: async () => undefined };
    worker = new RemoteWorker({ opts, version: VERSION, tag: workerTag('desk'), encoders, log: createLogger(process.env.TEST_LOG === '1' ? 'debug' : 'error'), encode: (r, signal) => encode(signal, r.temp) });
    await worker.start();
    const ask = await waitFor(() => inbox.find((m) => m.topic.endsWith('/ask')), 'an ask', 10_000);
    const assign = (jobId: string) =>
      coordinator.publishAsync(
        'shrinkray/workers/desk/assign',
        JSON.stringify({
          v: 1,
          ask_id: ask.body.ask_id,
          job_id: jobId,
          lease_id: `lease-${jobId}`,
          lease_ms: 30_000,
          input: join(media, 'a.mkv'),
          staging: join(media, '.a.0123456789abcdef.shrinkray.part.mkv'),
          preset_id: 'compress-hevc',
          settings: { output_format: 'mkv', quality_hevc: 0, quality_av1: 0, tonemap_hdr: false, tonemap_algorithm: 'hable', allow_same_codec: false, stall_timeout_secs: 0, first_frame_timeout_secs: 0 },
        }),
        { qos: 1 },
      );
    return { inbox, assign };
  }

  /** A finished encode: real bytes in the worker's temp file. */
  const finishedEncode = async (_signal: AbortSignal, temp: string): Promise<EncodeOutcome> => {
    await writeFile(temp, 'hevc!');
    return { kind: 'encoded', size: 5, expect: { durationMs: 1000, audioStreams: 0 } };
  };

  /** The test coordinator acknowledges every renewal, as a live one does. */
  const acknowledgeRenewals = () =>
    coordinator.on('message', (topic, payload) => {
      if (!topic.endsWith('/progress')) return;
      const p = JSON.parse(payload.toString());
      void coordinator.publishAsync('shrinkray/workers/desk/lease', JSON.stringify({ v: 1, job_id: p.job_id, lease_id: p.lease_id, ok: true, seq: p.seq, expires_in_ms: 30_000 }), { qos: 1 });
    });

  /** An encode that runs until it is aborted, reporting when. */
  function hangingEncode() {
    let startedAt = 0;
    let abortedAt = 0;
    const encode = (signal: AbortSignal) =>
      new Promise<EncodeOutcome>((resolve) => {
        startedAt = Date.now();
        signal.addEventListener('abort', () => {
          abortedAt = Date.now();
          resolve({ kind: 'stopped' });
        });
      });
    return { encode, started: () => startedAt, aborted: () => abortedAt };
  }

  it('a new coordinator session stops the job assigned by the old one at once, long before its lease (30 s) would', async () => {
    await announce('old-session');
    const e = hangingEncode();
    const w = await startWorker(e.encode);
    await w.assign('job-1');
    await waitFor(() => e.started() > 0, 'the encode started', 10_000);
    // The same session announced again (a reconnect of the same coordinator) changes nothing.
    await announce('old-session');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(e.aborted(), 0, 'a repeated announcement of the same session stopped the job');
    const t0 = Date.now();
    await announce('new-session');
    await waitFor(() => e.aborted() > 0, 'the encode was stopped', 5_000);
    // Well under a second when the machine is idle; the bound leaves room for a loaded one.
    assert.ok(e.aborted() - t0 < 3000, `stopped after ${e.aborted() - t0} ms`);
    // The worker is free again and asks the new coordinator for work; no result is sent for the dead job.
    await waitFor(() => w.inbox.filter((m) => m.topic.endsWith('/ask')).length >= 2, 'a new ask', 5_000);
    assert.equal(w.inbox.some((m) => m.topic.endsWith('/result')), false);
    assert.deepEqual(await readdir(join(root, 'temp')), []);
  });

  it('a worker stopped right after sending its staged result leaves the file to the coordinator (its swap may be under way)', async () => {
    await announce('s2');
    await mkdir(join(root, 'media'), { recursive: true });
    const w = await startWorker(finishedEncode);
    acknowledgeRenewals();
    await w.assign('job-3');
    const result = await waitFor(() => w.inbox.find((m) => m.topic.endsWith('/result')), 'a result', 10_000);
    await worker?.stop();
    worker = undefined;
    assert.equal(result.body.outcome, 'staged', JSON.stringify(result.body));
    const staged = String(result.body.staging);
    assert.equal((await stat(staged)).size, 5, 'the staged file is still there for the coordinator');
  });

  it('a staged file whose result no coordinator heard is removed when a new coordinator session appears', async () => {
    await announce('s3');
    await mkdir(join(root, 'media'), { recursive: true });
    const w = await startWorker(finishedEncode);
    // The coordinator acknowledges renewals, then dies without a word: the staged result is lost.
    acknowledgeRenewals();
    await w.assign('job-4');
    const result = await waitFor(() => w.inbox.find((m) => m.topic.endsWith('/result')), 'a result', 10_000);
    const staged = String(result.body.staging);
    assert.equal((await stat(staged)).size, 5);
    // A new coordinator (its startup cleanup already done) never takes this file: the worker removes it.
    await announce('s4');
    await waitFor(() => stat(staged).then(() => false, () => true), 'the staged file removed', 5_000);
  });

  it('the coordinator going offline (its last will) does not stop the job: only the lease or a new session do', async () => {
    await announce('s1');
    const e = hangingEncode();
    const w = await startWorker(e.encode);
    await w.assign('job-2');
    await waitFor(() => e.started() > 0, 'the encode started', 10_000);
    await coordinator.publishAsync('shrinkray/workers/coordinator', JSON.stringify({ v: 1, version: VERSION, online: false, session: 's1' }), { qos: 1, retain: true });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(e.aborted(), 0, 'a broker hiccup of the coordinator would otherwise stop every remote job');
    assert.ok(w.inbox.some((m) => m.topic.endsWith('/progress')), 'the worker keeps renewing');
  });
});

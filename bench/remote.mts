/**
 * Remote workers (issue 12): what handing a job to a worker over MQTT costs. A real Mosquitto
 * (test/helpers/broker.ts), the real app as coordinator, RemoteWorker instances in this process
 * (assembled as src/remote/worker-main.ts does, so no process start-up is counted; they share the
 * coordinator's encoder registry: same machine, same ffmpeg).
 *
 *   1. dispatch: N short jobs (a 1 s 320x240 H.264 clip each) with a near-instant fake encode that
 *      copies an HEVC file made once with real ffmpeg. Remote: one worker whose injected `encode`
 *      returns what encodeForCoordinator returns, then the real staging, result, lease and the
 *      coordinator's real verification (ffprobe + tail decode) and swap. Local: the same jobs on a
 *      local worker whose `ffmpeg_path` is a shell wrapper that copies the same file for the
 *      transcode (one /bin/sh + cp start, no encode) and runs the real ffmpeg for everything else
 *      (detection, verification). One job at a time (p50/p95 POST → complete), then N in one POST
 *      (jobs/s from the queueing to the last complete).
 *   2. added wall time: a real software HEVC encode of one clip (testsrc2 640x360, H.264 + AAC) on a
 *      local worker vs one remote worker, interleaved, median of the rounds.
 *   3. throughput: K real jobs in one POST with 1 and with 2 remote workers (one slot each).
 *
 * Both coordinators have the MQTT bridge on (separate base topics), so the remote one differs only
 * by remote_workers. Timestamps are the queue's own events in this process (SSE adds a few ms: see
 * the sse part).
 *
 *   BENCH_REMOTE_JOBS (40) BENCH_REMOTE_SECONDS (8, the real clip) BENCH_REMOTE_ROUNDS (3)
 *   BENCH_REMOTE_BATCH (4, real jobs for 1 vs 2 workers); BENCH_QUICK=1: 10, 3, 1, 2.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { App } from '../src/app.js';
import { loadWorkerOptions } from '../src/config/worker.js';
import { probeFile } from '../src/ffmpeg/probe.js';
import { type VerifyExpectations, verifyOutput } from '../src/ffmpeg/verify.js';
import type { QueueEvent } from '../src/jobs/types.js';
import { createLogger } from '../src/log.js';
import type { EncodeDeps, EncodeOutcome, EncodeRequest } from '../src/remote/encode.js';
import { RemoteWorker, workerTag } from '../src/remote/worker.js';
import { VERSION } from '../src/version.js';
import { type Broker, startBroker } from '../test/helpers/broker.js';
import { envNumber, makeApp, ms, pct, type Table, until } from './common.mjs';

const run = promisify(execFile);
const PART = 'remote';
const ENDS = new Set(['complete', 'failed', 'skipped', 'cancelled']);

type Encode = (r: EncodeRequest, signal: AbortSignal, d: EncodeDeps) => Promise<EncodeOutcome>;

/** Queue events of one app, timed in this process, by the input's file name (unique in a run). */
class Watch {
  readonly files = new Map<string, { started?: number; ended?: number; type?: string; error?: string }>();
  addedAt: number[] = [];
  private readonly off: () => void;

  constructor(app: App) {
    this.off = app.queue.subscribe((e: QueueEvent) => {
      const at = performance.now();
      if (e.type === 'jobs_added') this.addedAt.push(at);
      if (!('job' in e)) return;
      const name = basename(e.job.input_path);
      const f = this.files.get(name) ?? {};
      if (e.type === 'added') this.addedAt.push(at);
      if (e.type === 'started') f.started = at;
      if (ENDS.has(e.type)) Object.assign(f, { ended: at, type: e.type, error: e.job.error });
      this.files.set(name, f);
    });
  }

  /** Waits for the job of `name` to end; throws unless it completed. */
  async end(name: string, timeoutMs: number): Promise<{ started: number; ended: number }> {
    await until(() => this.files.get(name)?.ended !== undefined, `${name} to end`, timeoutMs, 2);
    const f = this.files.get(name) ?? {};
    if (f.type !== 'complete') throw new Error(`${name} ended ${f.type}: ${f.error ?? ''}`);
    return { started: f.started ?? Number.NaN, ended: f.ended ?? Number.NaN };
  }

  close(): void {
    this.off();
  }
}

async function post(app: App, paths: string[]): Promise<void> {
  const res = await fetch(`${app.url()}/api/jobs`, { method: 'POST', body: JSON.stringify({ paths, preset_id: 'compress-hevc' }) });
  if (res.status !== 202) throw new Error(`POST /api/jobs answered ${res.status}: ${await res.text()}`);
}

/** One file at a time: POST → started and POST → complete, in ms. */
async function oneJob(app: App, watch: Watch, path: string, timeoutMs: number): Promise<{ total: number; toStart: number; startToEnd: number; started: number; ended: number }> {
  const t0 = performance.now();
  await post(app, [path]);
  const { started, ended } = await watch.end(basename(path), timeoutMs);
  return { total: ended - t0, toStart: started - t0, startToEnd: ended - started, started, ended };
}

/** All files of `paths` in one POST: from the POST and from the queueing to the last complete. */
async function batch(app: App, watch: Watch, paths: string[], timeoutMs: number): Promise<{ total: number; fromAdded: number }> {
  watch.addedAt = [];
  const t0 = performance.now();
  await post(app, paths);
  let last = 0;
  for (const p of paths) last = Math.max(last, (await watch.end(basename(p), timeoutMs)).ended);
  return { total: last - t0, fromAdded: last - (watch.addedAt[0] ?? t0) };
}

async function makeClip(path: string, seconds: number, size: string, rate: number): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '12', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', path]);
}

async function copies(clip: string, folder: string, prefix: string, n: number): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = join(folder, `${prefix}-${String(i).padStart(3, '0')}.mp4`);
    await copyFile(clip, p);
    out.push(p);
  }
  return out;
}

/** A worker assembled like worker-main's, on a symlinked "mount" of the media folder. */
/** The worker's MQTT client, recording by job id when its `result` left and its first renewal was acknowledged. */
function timedConnect(sent: Map<string, number>, acked: Map<string, number>): (url: string, options: IClientOptions) => MqttClient {
  return (url, options) => {
    const client = mqttConnect(url, options);
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/lease')) return;
      const m = JSON.parse(payload.toString()) as { job_id: string; ok: boolean };
      if (m.ok && !acked.has(m.job_id)) acked.set(m.job_id, performance.now());
    });
    const publish = client.publish.bind(client) as (...args: unknown[]) => MqttClient;
    client.publish = ((topic: string, message: string | Buffer, ...rest: unknown[]) => {
      if (topic.endsWith('/result')) sent.set(String(JSON.parse(String(message)).job_id), performance.now());
      return publish(topic, message, ...rest);
    }) as MqttClient['publish'];
    return client;
  };
}

/** CPU seconds of this process and its waited-for children (ffmpeg, ffprobe), from /proc. */
async function cpuSeconds(tick: number): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => '');
  // Fields 14-17 (utime, stime, cutime, cstime) after the command name's closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) / tick;
}

async function startWorker(
  app: App,
  at: { media: string; root: string; topic: string; broker: Broker; workers: RemoteWorker[] },
  name: string,
  encode?: Encode,
  timed?: { sent: Map<string, number>; acked: Map<string, number> },
): Promise<void> {
  const mount = join(at.root, `mnt-${name}`);
  await symlink(at.media, mount);
  const argv = ['--mqtt-url', at.broker.url, '--mqtt-base-topic', at.topic, '--name', name, '--path-map', `${at.media}=${mount}`, '--temp', join(at.root, `temp-${name}`), '--log-level', 'error'];
  const opts = loadWorkerOptions(argv, {}, at.root);
  const worker = new RemoteWorker({ opts, version: VERSION, tag: workerTag(name), encoders: app.encoders, log: createLogger('silent'), ...(encode ? { encode } : {}), ...(timed ? { connect: timedConnect(timed.sent, timed.acked) } : {}) });
  // Stopped by the caller whatever happens next.
  at.workers.push(worker);
  await worker.start();
  await until(
    async () => {
      const body = (await (await fetch(`${app.url()}/api/workers`)).json()) as { workers: Array<{ name: string; online: boolean; encoders: unknown[] }> };
      return body.workers.some((w) => w.name === name && w.online && w.encoders.length > 0);
    },
    `worker ${name} online`,
    60_000,
    50,
  );
}

const list = (xs: number[], digits = 2) => `[${xs.map((x) => (x / 1000).toFixed(digits)).join(', ')}]`;
const median = (xs: number[]) => pct(xs, 50);

export async function remoteBench(table: Table): Promise<void> {
  const n = Math.max(2, Math.round(envNumber('BENCH_REMOTE_JOBS', 40, 10)));
  const seconds = Math.max(1, envNumber('BENCH_REMOTE_SECONDS', 8, 3));
  const rounds = Math.max(1, Math.round(envNumber('BENCH_REMOTE_ROUNDS', 3, 1)));
  const k = Math.max(2, Math.round(envNumber('BENCH_REMOTE_BATCH', 4, 2)));
  const cores = availableParallelism();
  console.log(`${PART}: dispatch of ${n} near-instant jobs (remote vs local), ${rounds} real ${seconds} s encodes each way, ${k} real jobs on 1 vs 2 workers`);
  const root = await mkdtemp(join(tmpdir(), 'bench-remote-'));
  // BENCH_REMOTE_NODELAY=1: Mosquitto with `set_tcp_nodelay true` (its default is off).
  const broker = await startBroker(process.env.BENCH_REMOTE_NODELAY === '1' ? { extraConfig: ['set_tcp_nodelay true'] } : {});
  const apps: App[] = [];
  const workers: RemoteWorker[] = [];
  const watches: Watch[] = [];
  const mqtt = (topic: string) => ({ mqtt_url: broker.url, mqtt_base_topic: topic, mqtt_discovery_prefix: `${topic}-ha` });
  const start = async (name: string, extra: Record<string, unknown>) => {
    const started = await makeApp(join(root, name), extra);
    apps.push(started.app);
    await started.app.encoders.ready();
    const watch = new Watch(started.app);
    watches.push(watch);
    return { ...started, watch, root: join(root, name), topic: String(extra.mqtt_base_topic), broker, workers };
  };
  try {
    // ---- 1. dispatch overhead with a near-instant encode -----------------------------------------
    const small = join(root, 'small.mp4');
    await makeClip(small, 1, '320x240', 15);
    const hevc = join(root, 'small-hevc.mkv');
    await run('ffmpeg', ['-v', 'error', '-y', '-i', small, '-map', '0', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-c:a', 'copy', hevc]);
    const probe = await probeFile('ffprobe', small);
    const expect: VerifyExpectations = { durationMs: probe.duration_ms, audioStreams: probe.audio.length, subtitleStreams: probe.subtitles.length };
    const { stdout: realFfmpeg } = await run('sh', ['-c', 'command -v ffmpeg']);
    const wrapper = join(root, 'ffmpeg-instant.sh');
    await writeFile(
      wrapper,
      [
        '#!/bin/sh',
        '# The transcode (its output, the last argument, is a Shrinkray temp file) is a copy; the rest is ffmpeg.',
        'for last; do :; done',
        `case "$last" in *.shrinkray.tmp.*) cp '${hevc}' "$last" && printf 'frame=15\\nout_time_us=1000000\\nprogress=end\\n' && exit 0; exit 1;; esac`,
        `exec '${realFfmpeg.trim()}' "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(wrapper, 0o755);
    const fakeTimes = new Map<string, { jobId: string; called: number; returned: number }>();
    const resultSent = new Map<string, number>();
    const firstAck = new Map<string, number>();
    const instant: Encode = async (r, _signal, d) => {
      const called = performance.now();
      d.onAttempt({ encoder: 'none', encoder_name: 'libx265', is_hardware: false });
      await copyFile(hevc, r.temp);
      d.onProgress({ progress: 100, speed: 1, eta: '' });
      const { size } = await stat(r.temp);
      fakeTimes.set(basename(r.input), { jobId: r.jobId, called, returned: performance.now() });
      return { kind: 'encoded', size, expect };
    };

    const R = await start('coord-instant', { ...mqtt('bench-remote'), remote_workers: true, local_encoding: false, ffmpeg_path: wrapper });
    const L = await start('local-instant', { ...mqtt('bench-local'), remote_workers: false, local_encoding: true, ffmpeg_path: wrapper });
    await startWorker(R.app, R, 'w1', instant, { sent: resultSent, acked: firstAck });
    const rSeq = await copies(small, join(R.media, 'seq'), 'r', n);
    const lSeq = await copies(small, join(L.media, 'seq'), 'l', n);
    const rOne: Array<Awaited<ReturnType<typeof oneJob>>> = [];
    const lOne: Array<Awaited<ReturnType<typeof oneJob>>> = [];
    const phase = { assignToEncode: [] as number[], encodeToResult: [] as number[], resultToComplete: [] as number[], beforeAck: 0 };
    const verifyMs: number[] = [];
    // Interleaved, so a change of load hits both alike.
    for (let i = 0; i < n; i++) {
      const r = await oneJob(R.app, R.watch, rSeq[i] as string, 60_000);
      rOne.push(r);
      const f = fakeTimes.get(basename(rSeq[i] as string));
      const sent = resultSent.get(f?.jobId ?? '');
      if (!f || sent === undefined) throw new Error(`no encode or result recorded for ${rSeq[i]}`);
      phase.assignToEncode.push(f.called - r.started);
      phase.encodeToResult.push(sent - f.returned);
      phase.resultToComplete.push(r.ended - sent);
      if ((firstAck.get(f.jobId) ?? Number.POSITIVE_INFINITY) > f.returned) phase.beforeAck += 1;
      lOne.push(await oneJob(L.app, L.watch, lSeq[i] as string, 60_000));
      // The coordinator's check of a staged file, alone (the local worker checks its temp file the same way).
      const t1 = performance.now();
      await verifyOutput({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }, hevc, expect, new AbortController().signal);
      verifyMs.push(performance.now() - t1);
    }
    const rBatch = await batch(R.app, R.watch, await copies(small, join(R.media, 'batch'), 'rb', n), 120_000 + n * 5_000);
    const lBatch = await batch(L.app, L.watch, await copies(small, join(L.media, 'batch'), 'lb', n), 120_000 + n * 5_000);

    const total = (xs: typeof rOne) => xs.map((x) => x.total);
    const rP50 = median(total(rOne));
    const lP50 = median(total(lOne));
    const phases = (xs: typeof rOne) => `POST → started p50 ${ms(median(xs.map((x) => x.toStart)))}, started → complete p50 ${ms(median(xs.map((x) => x.startToEnd)))}`;
    table.add({ part: PART, figure: `near-instant encode, 1 remote worker (${n} jobs, one at a time)`, value: `p50 ${ms(rP50)}  p95 ${ms(pct(total(rOne), 95))}`, note: `POST → complete; ${phases(rOne)}` });
    table.add({
      part: PART,
      figure: '… of which, remote',
      value: `assigned → worker's encode called ${ms(median(phase.assignToEncode))}; encode returned → result sent ${ms(median(phase.encodeToResult))}; result sent → complete ${ms(median(phase.resultToComplete))}`,
      note:
        'p50s; the 2nd: waiting for an acknowledged renewal before staging, the copy to the staging name, its fsync ' +
        `(the fake encode returned before the first renewal was acknowledged in ${phase.beforeAck} of ${n} jobs, so that round trip through the broker is in this figure; no real encode is that short); ` +
        'the 3rd: the coordinator takes the file, checks it again and swaps',
    });
    table.add({ part: PART, figure: `near-instant encode, local worker (${n} jobs, one at a time)`, value: `p50 ${ms(lP50)}  p95 ${ms(pct(total(lOne), 95))}`, note: `POST → complete; ${phases(lOne)}; its "encode" is one sh + cp process` });
    table.add({ part: PART, figure: 'dispatch overhead per job (remote − local, p50)', value: ms(rP50 - lP50), ratio: rP50 / lP50, note: 'ratio: remote ÷ local p50' });
    table.add({ part: PART, figure: 'verification of one staged file (real ffprobe + tail decode)', value: `p50 ${ms(median(verifyMs))}`, note: `${n} runs alone, between the jobs; inside both figures above, local and remote alike` });
    const rate = (count: number, msTotal: number) => count / (msTotal / 1000);
    table.add({ part: PART, figure: `${n} near-instant jobs in one POST, 1 remote worker`, value: `${rate(n, rBatch.fromAdded).toFixed(2)} jobs/s`, note: `queued → last complete ${(rBatch.fromAdded / 1000).toFixed(2)} s; with discovery (POST →) ${(rBatch.total / 1000).toFixed(2)} s` });
    table.add({ part: PART, figure: `${n} near-instant jobs in one POST, local worker`, value: `${rate(n, lBatch.fromAdded).toFixed(2)} jobs/s`, note: `queued → last complete ${(lBatch.fromAdded / 1000).toFixed(2)} s; with discovery (POST →) ${(lBatch.total / 1000).toFixed(2)} s` });
    table.add({ part: PART, figure: 'throughput, near-instant encode: remote ÷ local', value: (rate(n, rBatch.fromAdded) / rate(n, lBatch.fromAdded)).toFixed(3), ratio: rate(n, rBatch.fromAdded) / rate(n, lBatch.fromAdded) });
    for (const w of workers.splice(0)) await w.stop();
    for (const w of watches.splice(0)) w.close();
    for (const a of apps.splice(0)) await a.stop();

    // ---- 2. added wall time per job on a real encode ---------------------------------------------
    const clip = join(root, 'clip.mp4');
    await makeClip(clip, seconds, '640x360', 25);
    const R2 = await start('coord-real', { ...mqtt('bench-remote'), remote_workers: true, local_encoding: false });
    const L2 = await start('local-real', { ...mqtt('bench-local'), remote_workers: false, local_encoding: true });
    await startWorker(R2.app, R2, 'desk');
    const rReal: number[] = [];
    const lReal: number[] = [];
    const rFiles = await copies(clip, join(R2.media, 'real'), 'r', rounds);
    const lFiles = await copies(clip, join(L2.media, 'real'), 'l', rounds);
    // Interleaved, each side first in every other round.
    for (let i = 0; i < rounds; i++) {
      const local = async () => lReal.push((await oneJob(L2.app, L2.watch, lFiles[i] as string, 600_000)).total);
      const remote = async () => rReal.push((await oneJob(R2.app, R2.watch, rFiles[i] as string, 600_000)).total);
      if (i % 2 === 0) await local().then(remote);
      else await remote().then(local);
    }
    const lr = median(lReal);
    const rr = median(rReal);
    table.add({ part: PART, figure: `real ${seconds} s 640x360 clip, local worker (POST → complete)`, value: `${(lr / 1000).toFixed(2)} s`, note: `median of ${rounds}: ${list(lReal)}` });
    table.add({ part: PART, figure: `real ${seconds} s 640x360 clip, 1 remote worker (POST → complete)`, value: `${(rr / 1000).toFixed(2)} s`, note: `median of ${rounds}: ${list(rReal)}` });
    table.add({
      part: PART,
      figure: 'added wall time per job (remote − local)',
      value: `${((rr - lr) / 1000).toFixed(2)} s`,
      ratio: rr / lr,
      note: 'ratio: remote ÷ local; the remote job also probes the source on the worker, checks its output there and again on the coordinator, and copies it to the staging name',
    });

    // ---- 3. throughput with 1 and 2 remote workers -----------------------------------------------
    // Cores busy on average (this process and its ffmpeg/ffprobe children), POST → last complete.
    const tick = Number((await run('getconf', ['CLK_TCK']).catch(() => ({ stdout: '' }))).stdout.trim()) || 100;
    const timed = async (prefix: string) => {
      const files = await copies(clip, join(R2.media, prefix), prefix, k);
      const c0 = await cpuSeconds(tick);
      const b = await batch(R2.app, R2.watch, files, 600_000 * k);
      return { ...b, busy: (await cpuSeconds(tick)) - c0 };
    };
    const one = await timed('one');
    await startWorker(R2.app, R2, 'nas');
    const two = await timed('two');
    const perMin = (x: { fromAdded: number }) => k / (x.fromAdded / 60_000);
    const busy = (x: { busy: number; total: number }) => `${(x.busy / (x.total / 1000)).toFixed(2)} of ${cores} cores busy (this process and its children)`;
    const onWorkers = new Set(R2.app.queue.jobs().filter((j) => basename(j.input_path).startsWith('two-')).map((j) => j.worker));
    table.add({ part: PART, figure: `${k} real jobs in one POST, 1 remote worker`, value: `${perMin(one).toFixed(2)} jobs/min`, note: `queued → last complete ${(one.fromAdded / 1000).toFixed(1)} s; ${busy(one)}` });
    table.add({
      part: PART,
      figure: `${k} real jobs in one POST, 2 remote workers`,
      value: `${perMin(two).toFixed(2)} jobs/min`,
      note: `queued → last complete ${(two.fromAdded / 1000).toFixed(1)} s; ran on ${[...onWorkers].join(', ')}; ${busy(two)}`,
    });
    table.add({
      part: PART,
      figure: 'throughput, 2 workers ÷ 1 worker',
      value: (perMin(two) / perMin(one)).toFixed(3),
      ratio: perMin(two) / perMin(one),
      note: `both workers share this machine's ${cores} cores, so this cannot show what a second machine adds; a gain here only fills the cores one job leaves idle (its probe, checks and swap; x265 at 640x360 does not fill ${cores} cores). The figure to watch is the overhead above`,
    });
  } finally {
    for (const w of workers.splice(0)) await w.stop().catch(() => undefined);
    for (const w of watches.splice(0)) w.close();
    for (const a of apps.splice(0)) await a.stop().catch(() => undefined);
    await broker.close();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The coordinator's side of remote workers (issue 12): answers asks with one job each, holds a lease
 * per remote job, mirrors progress into the queue, takes leases back (expiry, pause, cancel) and does
 * the swap itself with the local D11 code (docs/remote-workers.md explains why here).
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { Settings } from '../config/index.js';
import { finalPathFor, stagingPathFor } from '../ffmpeg/finalize.js';
import { presetBase } from '../ffmpeg/presets.js';
import { verifyOutput } from '../ffmpeg/verify.js';
import type { FinalizeIntents } from '../jobs/intents.js';
import type { Queue } from '../jobs/queue.js';
import { swapIntoPlace } from '../jobs/swap.js';
import { isOurLeftover } from '../jobs/tempfiles.js';
import type { Job } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { resolveInsideRoots } from '../media/roots.js';
import { LeaseTable } from './lease.js';
import { type PathMap, toCoordinatorPath, toWorkerPath } from './paths.js';
import {
  type AssignMessage,
  PROTOCOL_VERSION,
  type ProgressMessage,
  parseAsk,
  parseProgress,
  parseResult,
  parseStatus,
  type ResultMessage,
  remoteTopics,
  versionProblem,
  type WorkerEncoder,
} from './protocol.js';
import { sendWithoutDelay } from './socket.js';

export interface RemotePoolDeps {
  queue: Queue;
  settings: () => Settings;
  log: Logger;
  version: string;
  /** The coordinator's instance tag: staging names carry it, so a restart removes leftovers (D20). */
  tag: string;
  intents?: Pick<FinalizeIntents, 'set' | 'delete'>;
  /** Destinations of the local pool's running jobs (D22: one job per output name). */
  localDestinations: () => Iterable<string>;
  /** The schedule window (D10). */
  canStart: () => boolean;
  broker: { url: string; username?: string; password?: string };
  now?: () => number;
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

/** What GET /api/workers shows. */
export interface WorkerInfo {
  name: string;
  online: boolean;
  version: string | null;
  encoders: WorkerEncoder[];
  slots: number;
  free: number;
  path_maps: PathMap[];
  running_jobs: string[];
  last_seen: string | null;
  refused: string | null;
}

interface Known {
  name: string;
  online: boolean;
  version?: string;
  encoders: WorkerEncoder[];
  slots: number;
  free: number;
  maps: PathMap[];
  lastSeen: number | null;
  refused?: string;
}

interface Remote {
  job: Job;
  worker: string;
  destination: string;
  source: Promise<Stats | undefined>;
  finalizing: boolean;
}

const destinationOf = (job: Pick<Job, 'input_path'>, s: Settings) => finalPathFor(job.input_path, s.output_format).toLowerCase();

export class RemotePool {
  private readonly d: RemotePoolDeps;
  private readonly topics;
  private readonly now: () => number;
  private readonly session = randomBytes(8).toString('hex');
  private readonly workers = new Map<string, Known>();
  /** Outstanding asks, oldest first: `name\0ask_id`. */
  private readonly asks = new Map<string, { name: string; askId: string }>();
  private readonly answered = new Map<string, Set<string>>();
  private readonly remote = new Map<string, Remote>();
  private readonly finishing = new Set<Promise<void>>();
  private leases: LeaseTable;
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(deps: RemotePoolDeps) {
    this.d = deps;
    this.topics = remoteTopics(deps.settings().mqtt_base_topic);
    this.now = deps.now ?? Date.now;
    this.leases = new LeaseTable(deps.settings().remote_lease_secs * 1000);
  }

  start(): void {
    const { url, username, password } = this.d.broker;
    const offline = JSON.stringify({ v: PROTOCOL_VERSION, version: this.d.version, online: false, session: this.session });
    const client = (this.d.connect ?? mqttConnect)(url, {
      protocolVersion: 5,
      clean: true,
      clientId: `shrinkray_coordinator_${this.d.tag}_${this.session.slice(0, 6)}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      will: { topic: this.topics.coordinator, payload: Buffer.from(offline), qos: 1, retain: true },
    });
    this.client = client;
    sendWithoutDelay(client);
    client.on('connect', () => {
      this.d.log.info({ broker: url }, 'remote workers: coordinator connected');
      // No-local: the empty retained status `forget` publishes must not come back and delete a worker
      // that announced itself again in the meantime.
      client.subscribe(['status', 'ask', 'progress', 'result'].map((k) => this.topics.all(k as 'status')), { qos: 1, nl: true });
      client.publish(this.topics.coordinator, JSON.stringify({ v: PROTOCOL_VERSION, version: this.d.version, online: true, session: this.session }), { qos: 1, retain: true });
    });
    client.on('error', (error) => this.d.log.warn({ err: error.message }, 'remote workers: MQTT error'));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.unsubscribe = this.d.queue.subscribe((e) => {
      if (e.type === 'added' || e.type === 'jobs_added' || e.type === 'requeued' || e.type === 'paused') queueMicrotask(() => this.dispatch());
    });
    this.timer = setInterval(() => {
      this.expire();
      this.dispatch();
    }, 1000);
    this.timer.unref();
  }

  // ---- what the local pool and the service ask -------------------------------------------------

  destinations(): string[] {
    return [...this.remote.values()].map((r) => r.destination);
  }

  isFinalizing(id: string): boolean {
    return this.remote.get(id)?.finalizing === true;
  }

  /** The queue already marked the job cancelled; the worker is told and its staging removed. */
  cancelRunning(id: string): boolean {
    const r = this.remote.get(id);
    if (!r || r.finalizing) return false;
    this.takeBack(id, 'cancelled');
    return true;
  }

  /** D8: every remote job not putting its file in place goes back to the front of the queue. */
  pause(): number {
    let n = 0;
    for (const [id, r] of [...this.remote]) {
      if (r.finalizing) continue;
      if (this.d.queue.requeue(id)) n += 1;
      this.takeBack(id, 'paused');
    }
    return n;
  }

  /** Whether the coordinator's MQTT client is connected to the broker now. */
  connected(): boolean {
    return this.client?.connected === true;
  }

  list(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => ({
      name: w.name,
      online: w.online,
      version: w.version ?? null,
      encoders: w.encoders,
      slots: w.slots,
      free: w.free,
      path_maps: w.maps,
      running_jobs: this.leases.ofWorker(w.name).map((l) => l.jobId),
      last_seen: w.lastSeen === null ? null : new Date(w.lastSeen).toISOString(),
      refused: w.refused ?? null,
    }));
  }

  /**
   * Forgets an offline worker: GET /api/workers and its Home Assistant entities drop it, and its
   * retained status is cleared on the broker so the next start does not bring it back. An online
   * worker or one holding a job is kept (it would announce itself again at once).
   */
  forget(name: string): 'forgotten' | 'unknown' | 'online' | 'busy' {
    const w = this.workers.get(name);
    if (!w) return 'unknown';
    if (this.leases.ofWorker(name).length > 0) return 'busy';
    if (w.online) return 'online';
    this.workers.delete(name);
    this.answered.delete(name);
    for (const [key, a] of this.asks) if (a.name === name) this.asks.delete(key);
    this.client?.publish(this.topics.of(name, 'status'), '', { qos: 1, retain: true });
    this.d.log.info({ worker: name }, 'remote worker forgotten');
    this.d.queue.statsChanged();
    return 'forgotten';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.finishing);
    // Jobs stay running in the store and requeue at the next start (D9); the workers stop now.
    for (const id of [...this.remote.keys()]) this.takeBack(id, 'the coordinator is shutting down', false);
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.publish(this.topics.coordinator, JSON.stringify({ v: PROTOCOL_VERSION, version: this.d.version, online: false, session: this.session }), { qos: 1, retain: true }, () => resolve());
      setTimeout(resolve, 1000);
    });
    await client.endAsync(false).catch(() => undefined);
  }

  // ---- dispatch ----------------------------------------------------------------------------------

  /** Answers outstanding asks with pending jobs, in queue order; prefers hardware when asked to. */
  dispatch(): void {
    const { queue } = this.d;
    if (this.stopped || queue.isPaused() || !this.d.canStart() || this.asks.size === 0 || this.client?.connected !== true) return;
    const s = this.d.settings();
    const busy = new Set<string>([...this.d.localDestinations(), ...this.destinations()]);
    const skipped = new Set<string>();
    while (this.asks.size > 0) {
      const askers = [...this.asks.values()].filter((a) => this.workers.get(a.name)?.online === true);
      let chosen: { name: string; askId: string } | undefined;
      const job = queue.nextPending((id) => {
        if (skipped.has(id)) return false;
        const j = queue.peek(id);
        const preset = j && presetBase(j.preset_id);
        // SmartShrink's analysis needs the coordinator's VMAF: those jobs stay local.
        if (!j || !preset || preset.is_smart_shrink || busy.has(destinationOf(j, s))) return skipped.add(id) && false;
        const able = askers.filter((a) => toWorkerPath(j.input_path, this.workers.get(a.name)?.maps ?? []) !== undefined);
        if (able.length === 0) return skipped.add(id) && false;
        const hardware = able.filter((a) => this.workers.get(a.name)?.encoders.some((e) => e.codec === preset.codec && e.hardware));
        chosen = s.remote_prefer === 'hardware' && hardware.length > 0 ? hardware[0] : able[0];
        return true;
      });
      if (!job || !chosen) return;
      const picked: { name: string; askId: string } = chosen;
      this.asks.delete(`${picked.name}\0${picked.askId}`);
      this.assign(job, picked.name, picked.askId, s);
      busy.add(destinationOf(job, s));
    }
  }

  private assign(job: Readonly<Job>, name: string, askId: string, s: Settings): void {
    const w = this.workers.get(name);
    if (!w) return;
    const final = finalPathFor(job.input_path, s.output_format);
    const staging = stagingPathFor(final, this.d.tag);
    const input = toWorkerPath(job.input_path, w.maps);
    const stagingW = toWorkerPath(staging, w.maps);
    if (!input || !stagingW) return;
    // The queue is the only place a job becomes running: one holder per job (D22).
    if (!this.d.queue.start(job.id, staging, name)) return;
    const lease = this.leases.grant(job.id, name, staging, this.now());
    this.remote.set(job.id, { job: { ...job }, worker: name, destination: destinationOf(job, s), source: stat(job.input_path).catch(() => undefined), finalizing: false });
    this.rememberAnswered(name, askId);
    const msg: AssignMessage = {
      v: PROTOCOL_VERSION,
      ask_id: askId,
      job_id: job.id,
      lease_id: lease.id,
      lease_ms: s.remote_lease_secs * 1000,
      input,
      staging: stagingW,
      preset_id: job.preset_id,
      settings: {
        output_format: s.output_format,
        quality_hevc: s.quality_hevc,
        quality_av1: s.quality_av1,
        tonemap_hdr: s.tonemap_hdr,
        tonemap_algorithm: s.tonemap_algorithm,
        allow_same_codec: s.allow_same_codec,
        stall_timeout_secs: s.stall_timeout_secs,
        first_frame_timeout_secs: s.first_frame_timeout_secs,
      },
    };
    this.d.log.info({ job: job.id, worker: name, input }, 'job assigned to a remote worker');
    this.send(name, 'assign', msg);
  }

  private rememberAnswered(name: string, askId: string): void {
    const set = this.answered.get(name) ?? new Set<string>();
    set.add(askId);
    if (set.size > 256) set.delete(set.values().next().value as string);
    this.answered.set(name, set);
  }

  // ---- messages ----------------------------------------------------------------------------------

  private onMessage(topic: string, payload: Buffer): void {
    const where = this.topics.parse(topic);
    if (!where) return;
    const { name, kind } = where;
    if (payload.length === 0) {
      // A cleared retained status (`mosquitto_pub -r -n -t <base>/workers/<name>/status`) forgets the
      // worker: GET /api/workers and its Home Assistant entities drop it; a job it holds expires as usual.
      if (kind === 'status' && this.workers.delete(name)) {
        this.d.log.info({ worker: name }, 'remote worker forgotten (its retained status was cleared)');
        this.d.queue.statsChanged();
      }
      return;
    }
    if (kind === 'status') {
      this.onStatus(name, payload);
      return;
    }
    if (kind === 'ask') {
      this.onAsk(name, payload);
      return;
    }
    if (kind === 'progress') {
      this.onProgress(name, payload);
      return;
    }
    if (kind === 'result') {
      this.onResult(name, payload);
      return;
    }
  }

  private onStatus(name: string, payload: Buffer): void {
    const m = parseStatus(payload);
    if (!m.ok || m.value.name !== name) return void this.d.log.warn({ worker: name, reason: m.ok ? 'name differs from the topic' : m.reason }, 'ignored a worker status');
    const st = m.value;
    const w = this.workers.get(name) ?? { name, online: false, encoders: [], slots: 0, free: 0, maps: [], lastSeen: null };
    w.online = st.online;
    if (st.version !== undefined) {
      if (st.version !== w.version) delete w.refused;
      w.version = st.version;
    }
    if (st.encoders) w.encoders = st.encoders;
    if (st.slots !== undefined) w.slots = st.slots;
    if (st.free !== undefined) w.free = st.free;
    if (st.path_maps) w.maps = st.path_maps;
    w.lastSeen = this.now();
    this.workers.set(name, w);
    if (!st.online) for (const [key, a] of this.asks) if (a.name === name) this.asks.delete(key);
    // A status change (a worker going offline) is mirrored like a stats change: entities republish.
    this.d.queue.statsChanged();
    this.dispatch();
  }

  private onAsk(name: string, payload: Buffer): void {
    const m = parseAsk(payload);
    if (!m.ok || m.value.name !== name) return void this.d.log.warn({ worker: name, reason: m.ok ? 'name differs from the topic' : m.reason }, 'ignored an ask');
    const problem = versionProblem(name, m.value.version, this.d.version);
    const w = this.workers.get(name);
    if (problem) {
      if (w?.refused !== problem) this.d.log.warn({ worker: name }, problem);
      if (w) w.refused = problem;
      this.send(name, 'refused', { v: PROTOCOL_VERSION, reason: problem });
      return;
    }
    if (!w?.online) return void this.d.log.info({ worker: name }, 'ignored an ask from a worker that has not announced itself');
    // An upgraded worker: the old refusal no longer holds.
    delete w.refused;
    w.lastSeen = this.now();
    if (this.answered.get(name)?.has(m.value.ask_id)) return;
    this.asks.set(`${name}\0${m.value.ask_id}`, { name, askId: m.value.ask_id });
    this.dispatch();
  }

  private onProgress(name: string, payload: Buffer): void {
    const m = parseProgress(payload);
    if (!m.ok) return void this.d.log.warn({ worker: name, reason: m.reason }, 'ignored a progress message');
    const p: ProgressMessage = m.value;
    const held = this.leases.renew(name, p.job_id, p.lease_id, p.seq, this.now());
    if (!held.ok) {
      this.d.log.warn({ worker: name, job: p.job_id, reason: held.reason }, 'ignored progress from a stale lease; telling the worker to stop');
      this.send(name, 'lease', { v: PROTOCOL_VERSION, job_id: p.job_id, lease_id: p.lease_id, ok: false, final: true, reason: 'unknown lease' });
      return;
    }
    const w = this.workers.get(name);
    if (w) w.lastSeen = this.now();
    const { queue } = this.d;
    if (p.encoder) queue.patch(p.job_id, { encoder: p.encoder, is_hardware: p.is_hardware ?? p.encoder !== 'none', ...(p.encoder_name ? { encoder_name: p.encoder_name } : {}), ...(p.fallback_reason ? { fallback_reason: p.fallback_reason } : {}) });
    queue.progress(p.job_id, { progress: p.progress, speed: p.speed, eta: p.eta });
    this.send(name, 'lease', { v: PROTOCOL_VERSION, job_id: p.job_id, lease_id: p.lease_id, ok: true, seq: p.seq, expires_in_ms: this.leases.expiresInMs(held.lease, this.now()) });
  }

  private onResult(name: string, payload: Buffer): void {
    const m = parseResult(payload);
    if (!m.ok) return void this.d.log.warn({ worker: name, reason: m.reason }, 'ignored a result');
    const r: ResultMessage = m.value;
    const held = this.leases.check(name, r.job_id, r.lease_id);
    if (!held.ok || held.lease.state !== 'running') {
      this.d.log.warn({ worker: name, job: r.job_id, outcome: r.outcome, reason: held.ok ? 'already finishing' : held.reason }, 'discarded a late or stale result');
      if (r.outcome === 'staged') void this.removeForeignStaging(name, r.staging);
      return;
    }
    const { queue, log } = this.d;
    if (r.outcome === 'staged') {
      this.leases.finalizing(r.job_id);
      const entry = this.remote.get(r.job_id);
      if (entry) entry.finalizing = true;
      const task = this.finishStaged(name, r, held.lease.staging).finally(() => this.finishing.delete(task));
      this.finishing.add(task);
      return;
    }
    this.leases.release(r.job_id);
    this.remote.delete(r.job_id);
    if (r.outcome === 'refused') {
      log.warn({ worker: name, job: r.job_id, reason: r.reason }, 'a worker refused its assignment; the job is pending again');
      queue.requeue(r.job_id);
    } else if (r.outcome === 'failed') {
      log.warn({ worker: name, job: r.job_id, err: r.error }, 'job failed on a remote worker');
      queue.fail(r.job_id, r.error);
    } else queue.skip(r.job_id, r.reason);
    void unlink(held.lease.staging).catch(() => undefined);
    this.dispatch();
  }

  /** D11 on the coordinator: claim the staged file, check it again, then the local swap. */
  private async finishStaged(name: string, r: Extract<ResultMessage, { outcome: 'staged' }>, staged: string): Promise<void> {
    const { queue, log } = this.d;
    const entry = this.remote.get(r.job_id);
    const job = queue.get(r.job_id);
    const s = this.d.settings();
    const own = stagingPathFor(finalPathFor(job?.input_path ?? staged, s.output_format), this.d.tag);
    let outcome = 'complete';
    try {
      if (!job || !entry) throw new Error('the job is gone');
      // From here on the worker cannot touch the file: its name is ours alone.
      await rename(staged, own).catch((error: Error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new Error(`the worker's output is not at ${staged}: the worker's --path-map must name the folder this coordinator sees as ${dirname(staged)} (the original is untouched)`);
        throw new Error(`the staged output could not be taken (${code ?? error.message}); the original is untouched`);
      });
      const tools = { ffmpeg: s.ffmpeg_path, ffprobe: s.ffprobe_path };
      const expect = { durationMs: job.duration_ms ?? r.expect.duration_ms, audioStreams: r.expect.audio_streams, subtitleStreams: r.expect.subtitle_streams ?? null, attachments: r.expect.attachments };
      const { size } = await verifyOutput(tools, own, expect, new AbortController().signal);
      if (size !== r.size) throw new Error(`output check failed: the staged copy holds ${size} bytes, the worker wrote ${r.size}`);
      const source = await entry.source;
      if (!source) throw new Error('the source file changed while it was being transcoded; nothing was replaced (retry the job to transcode the new file)');
      outcome = await swapIntoPlace(job, { path: own, size, format: s.output_format }, source, { queue, log, settings: s, tag: this.d.tag, intents: this.d.intents });
      if (outcome === 'complete') log.info({ job: job.id, worker: name }, 'remote job complete');
    } catch (error) {
      outcome = 'failed';
      await unlink(own).catch(() => undefined);
      await unlink(staged).catch(() => undefined);
      const message = (error as Error).message;
      log.warn({ job: r.job_id, worker: name, err: message }, 'remote job failed at the swap');
      queue.fail(r.job_id, message);
    } finally {
      this.leases.release(r.job_id);
      this.remote.delete(r.job_id);
      this.send(name, 'lease', { v: PROTOCOL_VERSION, job_id: r.job_id, lease_id: r.lease_id, ok: false, final: true, reason: outcome });
      this.dispatch();
    }
  }

  /** A late staged file: removed only when it is ours by name and inside a media root. */
  private async removeForeignStaging(name: string, workerPath: string): Promise<void> {
    const path = toCoordinatorPath(workerPath, this.workers.get(name)?.maps ?? []);
    if (!path || !isOurLeftover(basename(path), this.d.tag)) return;
    const where = await resolveInsideRoots(path, this.d.settings().media_paths);
    if (where.ok) await unlink(where.path).catch(() => undefined);
  }

  // ---- leases ------------------------------------------------------------------------------------

  private expire(): void {
    for (const lease of this.leases.takeExpired(this.now())) {
      this.remote.delete(lease.jobId);
      const requeued = this.d.queue.requeue(lease.jobId);
      this.d.log.warn({ job: lease.jobId, worker: lease.worker, requeued }, 'a remote lease expired; the job is pending again at the front');
      void unlink(lease.staging).catch(() => undefined);
      this.send(lease.worker, 'lease', { v: PROTOCOL_VERSION, job_id: lease.jobId, lease_id: lease.id, ok: false, final: true, reason: 'expired' });
    }
  }

  /** Ends a lease by the coordinator's decision; the queue state is the caller's. */
  private takeBack(id: string, reason: string, removeStaging = true): void {
    const lease = this.leases.release(id);
    this.remote.delete(id);
    if (!lease) return;
    if (removeStaging) void unlink(lease.staging).catch(() => undefined);
    this.send(lease.worker, 'lease', { v: PROTOCOL_VERSION, job_id: id, lease_id: lease.id, ok: false, final: true, reason });
  }

  private send(name: string, kind: 'assign' | 'lease' | 'refused', body: object): void {
    this.client?.publish(this.topics.of(name, kind), JSON.stringify(body), { qos: 1 });
  }
}

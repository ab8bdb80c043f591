/**
 * Worker mode (issue 12): asks the coordinator for jobs over MQTT 5, encodes them on this machine,
 * stages the verified output beside the original and reports. It holds a job only while its lease
 * lives (D22); whenever it stops without handing a staged file over, it removes what it wrote.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { WorkerOptions } from '../config/worker.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { uniqueHex } from '../jobs/tempfiles.js';
import type { Logger } from '../log.js';
import { shortName } from '../media/files.js';
import { type EncodeDeps, type EncodeOutcome, type EncodeRequest, encodeForCoordinator } from './encode.js';
import { WorkerLease } from './lease.js';
import {
  type AssignMessage,
  type LeaseMessage,
  PROTOCOL_VERSION,
  parseAssign,
  parseCoordinator,
  parseLease,
  parseRefused,
  type RemoteTopics,
  remoteTopics,
  type WorkerStatus,
} from './protocol.js';
import { sendWithoutDelay } from './socket.js';

export interface WorkerDeps {
  opts: WorkerOptions;
  version: string;
  /** This worker's tag in its temp names (D20): `workerTag(name)`. */
  tag: string;
  encoders: EncodeDeps['encoders'];
  log: Logger;
  now?: () => number;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  /** The encode; a test seam (a near-instant fake for the dispatch benchmark). */
  encode?: (r: EncodeRequest, signal: AbortSignal, d: EncodeDeps) => Promise<EncodeOutcome>;
}

interface Held {
  assign: AssignMessage;
  lease: WorkerLease;
  controller: AbortController;
  temp: string;
  /** What the worker may have written into the media folder and must remove if it stops. */
  stagingOwned: boolean;
  /** The `staged` result was sent: the file is the coordinator's to take or remove from now on. */
  stagedSent: boolean;
  handedOver: boolean;
  /** Wakes a wait for a renewal's acknowledgement. */
  wake?: (() => void) | undefined;
  last: { progress: number; speed: number; eta: string };
  attempt: { encoder?: string; encoder_name?: string; is_hardware?: boolean; fallback_reason?: string };
  lastSentAt: number;
  /** The coordinator run that assigned the job: a restarted one never re-attaches (it requeues). */
  session: string | undefined;
  final: { promise: Promise<string>; resolve: (reason: string) => void };
}

const TICK_MS = 200;
const PROGRESS_EVERY_MS = 1000;

/** 8 hex digits naming a worker in its temp files, stable across its restarts (D20). */
export const workerTag = (name: string): string => createHash('sha256').update(`worker:${name}`).digest('hex').slice(0, 8);

export class RemoteWorker {
  private readonly d: WorkerDeps;
  private readonly topics: RemoteTopics;
  private readonly now: () => number;
  private readonly runId = randomBytes(4).toString('hex');
  private client: MqttClient | undefined;
  private readonly asks = new Set<string>();
  private askSeq = 0;
  private readonly held = new Map<string, Held>();
  private refusal: string | undefined;
  private coordinatorSession: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;

  constructor(deps: WorkerDeps) {
    this.d = deps;
    this.topics = remoteTopics(deps.opts.baseTopic);
    this.now = deps.now ?? Date.now;
  }

  /** Why the coordinator refused this worker (a version mismatch), if it did. */
  refused(): string | undefined {
    return this.refusal;
  }

  async start(): Promise<void> {
    const o = this.d.opts;
    await mkdir(o.temp, { recursive: true });
    const will = JSON.stringify({ v: PROTOCOL_VERSION, name: o.name, online: false } satisfies WorkerStatus);
    const connect = this.d.connect ?? mqttConnect;
    const client = connect(o.mqttUrl, {
      protocolVersion: 5,
      clean: true,
      clientId: `shrinkray_worker_${o.name}_${this.runId}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      ...(o.mqttUsername ? { username: o.mqttUsername } : {}),
      ...(o.mqttPassword ? { password: o.mqttPassword } : {}),
      will: { topic: this.topics.of(o.name, 'status'), payload: Buffer.from(will), qos: 1, retain: true },
    });
    this.client = client;
    sendWithoutDelay(client);
    client.on('connect', () => {
      this.d.log.info({ broker: o.mqttUrl, name: o.name }, 'worker connected to the broker');
      client.subscribe([this.topics.of(o.name, 'assign'), this.topics.of(o.name, 'lease'), this.topics.of(o.name, 'refused'), this.topics.coordinator], { qos: 1 });
      this.publishStatus();
      this.sendAsks(true);
    });
    client.on('error', (error) => this.d.log.warn({ err: error.message }, 'MQTT error'));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.timers.push(setInterval(() => this.sendAsks(true), o.askRepeatMs));
    await this.d.encoders.ready();
    this.publishStatus();
  }

  /** Stops every job (their files removed), publishes offline and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    const jobs = [...this.held.values()];
    for (const h of jobs) this.abandon(h, 'the worker is shutting down');
    await Promise.all(jobs.map((h) => h.final.promise));
    // Let the results above leave before going offline.
    await new Promise((r) => setTimeout(r, 100));
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.publish(this.topics.of(this.d.opts.name, 'status'), JSON.stringify({ v: PROTOCOL_VERSION, name: this.d.opts.name, online: false }), { qos: 1, retain: true }, () => resolve());
      setTimeout(resolve, 1000);
    });
    await client.endAsync(false).catch(() => undefined);
  }

  // ---- messages --------------------------------------------------------------------------------

  private onMessage(topic: string, payload: Buffer): void {
    const name = this.d.opts.name;
    if (topic === this.topics.coordinator) {
      this.onCoordinator(payload);
      return;
    }
    if (topic === this.topics.of(name, 'assign')) {
      this.onAssign(payload);
      return;
    }
    if (topic === this.topics.of(name, 'lease')) {
      this.onLease(payload);
      return;
    }
    if (topic === this.topics.of(name, 'refused')) {
      const m = parseRefused(payload);
      if (!m.ok) return;
      if (this.refusal !== m.value.reason) this.d.log.error({ reason: m.value.reason }, `the coordinator refused this worker: ${m.value.reason}`);
      this.refusal = m.value.reason;
      this.asks.clear();
    }
  }

  private onCoordinator(payload: Buffer): void {
    if (payload.length === 0) return;
    const m = parseCoordinator(payload);
    if (!m.ok) return void this.d.log.warn({ reason: m.reason }, 'ignored a coordinator status');
    const c = m.value;
    if (c.online && c.version !== this.d.version) {
      const why = `the coordinator runs shrinkray ${c.version} but this worker runs ${this.d.version}: install ${c.version} here`;
      if (this.refusal !== why) this.d.log.error(why);
      this.refusal = why;
      this.asks.clear();
      return;
    }
    if (c.online && c.session !== this.coordinatorSession) {
      // A (re)started coordinator forgot every ask and lease: ask again at once.
      this.coordinatorSession = c.session;
      this.refusal = undefined;
      // Its jobs are pending again there (D9): stop them now rather than at the next renewal.
      // A staged file still under its staging name is nobody's now: the dead coordinator cannot be
      // swapping it and the new one never takes a file for a lease it did not grant.
      for (const h of this.held.values()) {
        if (h.session === c.session || h.handedOver) continue;
        h.stagedSent = false;
        this.abandon(h, 'the coordinator restarted; it requeued the job');
      }
      this.sendAsks(true);
    }
  }

  private onAssign(payload: Buffer): void {
    const m = parseAssign(payload);
    if (!m.ok) return void this.d.log.warn({ reason: m.reason }, 'ignored a malformed assignment');
    const a = m.value;
    if (!this.asks.has(a.ask_id) || this.held.size >= this.d.opts.slots || this.stopping || this.held.has(a.job_id)) {
      this.d.log.warn({ job: a.job_id, ask: a.ask_id }, 'refusing an assignment this worker did not ask for');
      this.publish('result', { v: PROTOCOL_VERSION, job_id: a.job_id, lease_id: a.lease_id, outcome: 'refused', reason: 'no free slot or unknown ask' });
      return;
    }
    this.asks.delete(a.ask_id);
    let resolve: (reason: string) => void = () => {};
    const promise = new Promise<string>((r) => {
      resolve = r;
    });
    const ext = a.settings.output_format;
    const h: Held = {
      assign: a,
      lease: new WorkerLease(a.lease_ms, this.now()),
      controller: new AbortController(),
      temp: join(this.d.opts.temp, `${shortName(basename(a.input, extname(a.input)))}.${uniqueHex(this.d.tag)}.shrinkray.tmp.${ext}`),
      stagingOwned: false,
      stagedSent: false,
      handedOver: false,
      last: { progress: 0, speed: 0, eta: '' },
      attempt: {},
      lastSentAt: 0,
      session: this.coordinatorSession,
      final: { promise, resolve },
    };
    this.held.set(a.job_id, h);
    this.d.log.info({ job: a.job_id, input: a.input }, 'job assigned');
    this.renew(h);
    this.publishStatus();
    void this.run(h);
  }

  private onLease(payload: Buffer): void {
    const m = parseLease(payload);
    if (!m.ok) return void this.d.log.warn({ reason: m.reason }, 'ignored a malformed lease message');
    const l: LeaseMessage = m.value;
    const h = this.held.get(l.job_id);
    if (!h || h.assign.lease_id !== l.lease_id) return void this.d.log.debug({ job: l.job_id }, 'lease message for a job this worker does not hold');
    if (l.ok) {
      h.lease.acknowledged(l.seq);
      h.wake?.();
      return;
    }
    if (l.reason === 'complete') {
      h.handedOver = true;
      h.final.resolve('complete');
      return;
    }
    // The coordinator ended the lease: it will not take the staged file (a failed check already
    // renamed it away), so the worker removes what is left under the staging name.
    h.stagedSent = false;
    this.abandon(h, `the coordinator took the job back (${l.reason})`);
  }

  // ---- one job ---------------------------------------------------------------------------------

  private async run(h: Held): Promise<void> {
    const a = h.assign;
    const signal = h.controller.signal;
    const o = this.d.opts;
    try {
      const outcome = await (this.d.encode ?? encodeForCoordinator)({ jobId: a.job_id, input: a.input, presetId: a.preset_id, settings: a.settings, temp: h.temp }, signal, {
        ffmpeg: o.ffmpeg,
        ffprobe: o.ffprobe,
        roots: o.pathMaps.map((m) => m.worker),
        encoders: this.d.encoders,
        log: this.d.log,
        onAttempt: (x) => {
          h.attempt = x;
          this.renew(h, true);
        },
        onProgress: (u) => {
          h.last = u;
          if (this.now() - h.lastSentAt >= PROGRESS_EVERY_MS) this.renew(h);
        },
      });
      if (outcome.kind === 'stopped' || signal.aborted) return;
      if (outcome.kind === 'skip') {
        this.publish('result', { v: PROTOCOL_VERSION, job_id: a.job_id, lease_id: a.lease_id, outcome: 'skipped', reason: outcome.reason });
        return;
      }
      await this.untilMayStage(h);
      if (signal.aborted) return;
      // Exclusive: a name someone else holds fails here, before this worker owns (and would remove) it.
      const out = await open(a.staging, 'wx');
      h.stagingOwned = true;
      await pipeline(createReadStream(h.temp), out.createWriteStream(), { signal });
      const handle = await open(a.staging, 'r+');
      await handle.sync().finally(() => handle.close());
      if (signal.aborted || !h.lease.mayStage(this.now())) return;
      // From here on the coordinator takes the file or removes it (swap, failed check, expired or
      // discarded lease, its restart): a worker stopped now must not pull it from under the swap.
      h.stagedSent = true;
      this.publish('result', {
        v: PROTOCOL_VERSION,
        job_id: a.job_id,
        lease_id: a.lease_id,
        outcome: 'staged',
        staging: a.staging,
        size: outcome.size,
        expect: { duration_ms: outcome.expect.durationMs, audio_streams: outcome.expect.audioStreams, subtitle_streams: outcome.expect.subtitleStreams ?? null, ...(outcome.expect.attachments === undefined ? {} : { attachments: outcome.expect.attachments }) },
      });
      await h.final.promise;
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      this.d.log.warn({ job: a.job_id, err: message }, 'job failed');
      this.publish('result', { v: PROTOCOL_VERSION, job_id: a.job_id, lease_id: a.lease_id, outcome: 'failed', error: message });
    } finally {
      await unlink(h.temp).catch(() => undefined);
      if (h.stagingOwned && !h.handedOver && !h.stagedSent) await unlink(a.staging).catch(() => undefined);
      this.held.delete(a.job_id);
      h.final.resolve('ended');
      this.d.log.info({ job: a.job_id }, 'job ended on this worker');
      this.publishStatus();
      this.sendAsks(false);
    }
  }

  /** Waits until a renewal is acknowledged (a deadline that provably falls first), or the lease ends. */
  private async untilMayStage(h: Held): Promise<void> {
    while (!h.lease.mayStage(this.now()) && !h.controller.signal.aborted) {
      if (h.lease.expired(this.now())) {
        this.abandon(h, 'lease expired before the output could be staged');
        return;
      }
      await new Promise<void>((r) => {
        h.wake = r;
        setTimeout(r, 50);
      });
    }
    h.wake = undefined;
  }

  /** Stops the job; `run` removes the temp and any staging it wrote. */
  private abandon(h: Held, why: string): void {
    if (h.controller.signal.aborted) return;
    this.d.log.warn({ job: h.assign.job_id, why }, 'job stopped on this worker');
    h.controller.abort(new Error(why));
    h.final.resolve(why);
  }

  private tick(): void {
    const now = this.now();
    for (const h of this.held.values()) {
      if (h.handedOver) continue;
      if (h.lease.expired(now)) {
        this.abandon(h, 'lease expired (no word from the coordinator)');
        continue;
      }
      if (now - h.lastSentAt >= h.assign.lease_ms / 3) this.renew(h);
    }
  }

  /** A renewal: progress with the latest values (a heartbeat when ffmpeg has said nothing new). */
  private renew(h: Held, force = false): void {
    const now = this.now();
    if (!force && this.client?.connected !== true) return;
    h.lastSentAt = now;
    const seq = h.lease.nextRenewal(now);
    const x = h.attempt;
    this.publish('progress', {
      v: PROTOCOL_VERSION,
      job_id: h.assign.job_id,
      lease_id: h.assign.lease_id,
      seq,
      progress: Math.min(100, Math.max(0, h.last.progress)),
      speed: Math.max(0, h.last.speed),
      eta: h.last.eta,
      ...(x.encoder ? { encoder: x.encoder } : {}),
      ...(x.encoder_name ? { encoder_name: x.encoder_name } : {}),
      ...(x.is_hardware === undefined ? {} : { is_hardware: x.is_hardware }),
      ...(x.fallback_reason ? { fallback_reason: x.fallback_reason.slice(0, 2000) } : {}),
    });
  }

  // ---- presence and asks -----------------------------------------------------------------------

  /** Keeps one ask out per free slot; `repeat` sends the unanswered ones again. */
  private sendAsks(repeat: boolean): void {
    if (this.stopping || this.refusal || this.client?.connected !== true) return;
    const o = this.d.opts;
    while (this.held.size + this.asks.size < o.slots) {
      this.askSeq += 1;
      const id = `${this.runId}-${this.askSeq}`;
      this.asks.add(id);
      this.publish('ask', { v: PROTOCOL_VERSION, name: o.name, version: this.d.version, ask_id: id });
    }
    if (repeat) for (const id of this.asks) this.publish('ask', { v: PROTOCOL_VERSION, name: o.name, version: this.d.version, ask_id: id });
  }

  private publishStatus(): void {
    const o = this.d.opts;
    const encoders = this.d.encoders.available().map((e: EncoderInfo) => ({ codec: e.codec, encoder: e.encoder, accel: e.accel, hardware: e.accel !== 'none' }));
    const status: WorkerStatus = {
      v: PROTOCOL_VERSION,
      name: o.name,
      version: this.d.version,
      online: true,
      encoders,
      slots: o.slots,
      free: Math.max(0, o.slots - this.held.size),
      path_maps: o.pathMaps,
      running: [...this.held.values()].map((h) => ({ job_id: h.assign.job_id, lease_id: h.assign.lease_id })),
    };
    this.client?.publish(this.topics.of(o.name, 'status'), JSON.stringify(status), { qos: 1, retain: true });
  }

  private publish(kind: 'ask' | 'progress' | 'result', body: object): void {
    this.client?.publish(this.topics.of(this.d.opts.name, kind), JSON.stringify(body), { qos: 1 });
  }
}

import { mkdir, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { hostMiddleware, peerMiddleware, sameOriginMiddleware, tokenGuard } from './api/auth.js';
import { browseRoutes } from './api/browse-routes.js';
import { configRoutes } from './api/config-routes.js';
import { encoderRoutes } from './api/encoder-routes.js';
import { homeRoutes } from './api/home.js';
import { knownHostNames } from './api/hosts.js';
import { close, listen } from './api/listen.js';
import { metaRoutes } from './api/meta-routes.js';
import { jobRoutes } from './api/routes.js';
import { createHttpApp } from './api/server.js';
import { Browser } from './browse/browser.js';
import type { SettingsStore } from './config/index.js';
import { runCommand } from './ffmpeg/command.js';
import { detectEncoders } from './ffmpeg/detect.js';
import { finalPathFor, recoverFinalize } from './ffmpeg/finalize.js';
import { probeFile } from './ffmpeg/probe.js';
import { EncoderRegistry } from './ffmpeg/registry.js';
import { listRenderNodes } from './ffmpeg/render-nodes.js';
import { detectVmaf } from './ffmpeg/vmaf-detect.js';
import { loadAcceptedRequests } from './jobs/accepted.js';
import { loadFinalizeIntents } from './jobs/intents.js';
import { createIdFactory } from './jobs/job.js';
import { WorkerPool } from './jobs/pool.js';
import { processJob } from './jobs/processor.js';
import { Queue } from './jobs/queue.js';
import { scheduleAllows, scheduleChanged } from './jobs/schedule.js';
import { JobService } from './jobs/service.js';
import { instanceTag, isOurLeftover, removeLeftovers, tempPathFor } from './jobs/tempfiles.js';
import type { Logger } from './log.js';
import { ProbeMemo } from './media/probe-memo.js';
import { resolveInsideRoots } from './media/roots.js';
import { startMqtt } from './mqtt/start.js';
import { loadNotifyFlag } from './notify/flag.js';
import { CompletionNotifier } from './notify/notifier.js';
import { PushoverClient } from './notify/pushover.js';
import { RemotePool } from './remote/coordinator.js';
import { workerRoutes } from './remote/routes.js';
import { SmartShrink } from './smartshrink/service.js';
import { SpaceHistory } from './stats/history.js';
import { statsHistoryRoutes } from './stats/routes.js';
import { JobStore } from './store/store.js';
import { killOrphans } from './util/child.js';
import { VERSION } from './version.js';

export interface AppOptions {
  settings: SettingsStore;
  log: Logger;
  clock?: () => Date;
  /** SSE keepalive (D6, default 15 s) and per-client buffer bound. */
  sseKeepaliveMs?: number;
  sseMaxBufferedBytes?: number;
  /** How often the pool looks at the schedule window again (default 30 s, upstream's). */
  scheduleRecheckMs?: number;
  /** Media roots that may be created when missing (the built-in default only). */
  createMissingMedia?: boolean;
  /** fetch for the Supervisor API (tests stand in for it). */
  fetchImpl?: typeof fetch;
  /** Delays between Supervisor MQTT look-ups after a miss (tests use short ones). */
  mqttRetryMs?: readonly number[];
  /** The MQTT bridge's reconnect backoff [first, cap] in ms (default 1 s … 30 s; tests use short ones). */
  mqttReconnectBackoffMs?: [number, number];
  /** Where VAAPI render nodes are looked for (default /dev/dri); tests point it at a plain folder. */
  driDir?: string;
}

export interface App {
  readonly queue: Queue;
  readonly service: JobService;
  readonly pool: WorkerPool;
  readonly encoders: EncoderRegistry;
  readonly settings: SettingsStore;
  /** Base URL once listening, e.g. `http://127.0.0.1:8080`. */
  url(): string;
  /** The direct API listener's URL when `api_port` is set. */
  apiUrl(): string | undefined;
  /** Resolves once every queued database write is committed. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** The composition root: builds every part, starts them in order and stops them in reverse. */
export async function startApp(o: AppOptions): Promise<App> {
  const { settings, log } = o;
  const clock = o.clock ?? (() => new Date());
  const s = settings.get();
  for (const root of s.media_paths) {
    if (o.createMissingMedia) await mkdir(root, { recursive: true });
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`media folder ${root} does not exist or is not a folder`);
  }
  const tempDir = () => settings.get().temp_path || tmpdir();
  await mkdir(tempDir(), { recursive: true });
  // D20: this instance's files carry its tag; another instance's are never touched.
  const tag = instanceTag(settings.dataDir);
  const isOurs = (name: string) => isOurLeftover(name, tag);
  // An encoder of ours still running from before a crash (no setpriv, or it slipped past) is
  // stopped before its temp file is removed.
  const orphans = await killOrphans(tempDir(), isOurs);
  if (orphans.length > 0) log.warn({ pids: orphans }, 'stopped encoders left running by an earlier run');
  const leftovers = await removeLeftovers(tempDir(), tag);
  if (leftovers.length > 0) log.info({ files: leftovers }, 'removed temp files left by an earlier run');

  const store = await JobStore.open(settings.dataDir, (error) => log.error({ err: error }, 'database write failed'));
  const { queue, recovered } = await Queue.load({
    store,
    clock,
    onSubscriberError: (error, event) => log.error({ err: error, event: event.type }, 'a queue subscriber failed'),
  });
  // D19: a job that died while its new file was being put in place is finished or rolled back.
  const intents = await loadFinalizeIntents(store);
  for (const [id, intent] of intents.entries()) {
    const where = await resolveInsideRoots(dirname(intent.final), s.media_paths);
    const outcome = where.ok ? await recoverFinalize(intent) : { done: false as const };
    if (outcome.done) {
      queue.completeRecovered(id, { output_path: outcome.outputPath, output_size: outcome.size });
      log.info({ job: id, output: outcome.outputPath }, 'a job that was putting its file in place when the service stopped is complete');
      if (outcome.warning) log.warn({ job: id }, outcome.warning);
    } else log.info({ job: id }, 'a job was stopped before its file was put in place; the original is untouched and the job runs again');
    intents.delete(id);
  }
  for (const job of recovered) {
    if (job.temp_path && dirname(job.temp_path) === tempDir()) await unlink(job.temp_path).catch(() => undefined);
    // A crash during finalize can leave a hidden staged file beside the original; only look in
    // folders that are still inside a media root (D17).
    const folder = await resolveInsideRoots(dirname(job.input_path), s.media_paths);
    if (folder.ok) await removeLeftovers(folder.path, tag);
  }
  const requeued = recovered.filter((j) => queue.get(j.id)?.status === 'pending');
  if (requeued.length > 0) log.info({ jobs: requeued.map((j) => j.id) }, 'jobs that were running are pending again');

  // Encoder detection (D15) runs in the background; jobs and GET /api/encoders wait for it.
  const encoders = new EncoderRegistry({
    log,
    detector: (signal) =>
      detectEncoders({
        ffmpeg: settings.get().ffmpeg_path,
        run: runCommand,
        renderNodes: () => listRenderNodes(o.driDir ?? '/dev/dri'),
        platform: process.platform,
        signal,
        clock,
      }),
    vmafDetector: (signal) => detectVmaf({ ffmpeg: settings.get().ffmpeg_path, vmafFfmpeg: settings.get().vmaf_ffmpeg, vmafModel: settings.get().vmaf_model, run: runCommand, signal }),
  });
  encoders.start();
  // SmartShrink (issue 9): analyses a kill left behind are removed before any job starts (D9).
  const smartShrink = new SmartShrink({ vmaf: () => encoders.vmaf(), settings: () => settings.get(), onSettingsChange: (l) => settings.on('change', l), tempDir, instance: tag, log });
  const analysisLeftovers = await smartShrink.removeLeftovers();
  if (analysisLeftovers.length > 0) log.info({ folders: analysisLeftovers }, 'removed SmartShrink working folders left by an earlier run');

  const probes = new ProbeMemo((path, signal) => probeFile(settings.get().ffprobe_path, path, signal));
  // Remote workers (issue 12) and the local pool see each other's destinations; bound once both exist.
  let remote: RemotePool | undefined;
  const pool = new WorkerPool({
    remote: {
      dispatch: () => remote?.dispatch(),
      destinations: () => remote?.destinations() ?? [],
      pause: () => remote?.pause() ?? 0,
      cancelRunning: (id) => remote?.cancelRunning(id) ?? false,
      isFinalizing: (id) => remote?.isFinalizing(id) ?? false,
    },
    localAllowed: () => settings.get().local_encoding,
    queue,
    log,
    tempPathFor: (job) => tempPathFor(tempDir(), job.input_path, settings.get().output_format, tag),
    destinationOf: (job) => finalPathFor(job.input_path, settings.get().output_format).toLowerCase(),
    canStart: () => scheduleAllows(settings.get(), clock()),
    ...(o.scheduleRecheckMs ? { recheckMs: o.scheduleRecheckMs } : {}),
    process: (job, temp, signal, hooks) => processJob(job, temp, signal, { queue, settings: () => settings.get(), encoders, log, probes, tag, intents, smartShrink, onFinalizing: hooks.finalizing }),
  });
  // The coordinator uses the broker the MQTT bridge finds: `mqtt_url`, else the Supervisor's MQTT
  // service (the Mosquitto add-on), which may appear only after the start.
  let stopping: Promise<void> | undefined;
  const remoteOn = (broker: { url: string; username?: string; password?: string }): void => {
    if (!s.remote_workers || remote || stopping) return;
    remote = new RemotePool({
      queue,
      settings: () => settings.get(),
      log: log.child({ part: 'remote' }),
      version: VERSION,
      tag,
      intents,
      localDestinations: () => pool.destinations(),
      canStart: () => scheduleAllows(settings.get(), clock()),
      broker: { url: broker.url, ...(broker.username ? { username: broker.username } : {}), ...(broker.password ? { password: broker.password } : {}) },
    });
    remote.start();
  };
  if (s.remote_workers && !s.mqtt_url && !s.supervisor_token) log.warn('remote_workers is on but there is no broker (set mqtt_url): remote workers are off');
  const accepted = await loadAcceptedRequests(store);
  const service = new JobService({ queue, pool, settings, encoders, probes, nextId: createIdFactory(clock), clock, log, accepted, presetAvailable: (p) => !p.is_smart_shrink || smartShrink.availability() });
  settings.on('change', (next, previous) => {
    if (next.log_level !== previous.log_level) log.level = next.log_level;
    if (next.workers !== previous.workers) void pool.resize(next.workers);
    // A different ffmpeg has different encoders.
    if (next.ffmpeg_path !== previous.ffmpeg_path) void encoders.detect().catch(() => undefined);
  });

  // Settings API, browsing, notifications (issue 4).
  const notifyFlag = await loadNotifyFlag(store);
  const pushover = new PushoverClient(() => {
    const cur = settings.get();
    return { url: cur.pushover_url, user: cur.pushover_user_key, token: cur.pushover_app_token };
  });
  const notifier = new CompletionNotifier({ view: queue, emit: () => queue.notifySent(), flag: notifyFlag, pushover, log });
  notifier.start();
  const browser = new Browser({
    roots: () => settings.get().media_paths,
    probe: (path, signal) => probeFile(settings.get().ffprobe_path, path, signal),
  });
  const unwatchBrowse = browser.watch(queue);
  // Space saved per day (issue 10): a subscriber with its own record, untouched by clearing jobs.
  const history = await SpaceHistory.load({ store, clock });
  const unwatchHistory = history.watch(queue);
  settings.on('change', (next, previous) => {
    // A moved or disabled window may allow a start now rather than at the pool's next look.
    if (scheduleChanged(next, previous)) pool.kick();
  });

  const open = [
    homeRoutes({ view: queue, encoders, version: VERSION }),
    metaRoutes({ view: queue, version: VERSION, startedAt: Date.now(), now: Date.now }),
  ];
  const guarded = [
    encoderRoutes({ encoders }),
    configRoutes({ settings, notifyFlag, pushover, encoders, version: VERSION }),
    browseRoutes({ browser }),
    statsHistoryRoutes({ history }),
    workerRoutes({ view: queue, remote: () => remote?.list() ?? [], forget: (name: string) => remote?.forget(name) ?? 'unknown', enabled: () => s.remote_workers, broker: () => (remote ? (remote.connected() ? 'connected' : 'connecting') : 'none'), localEncoding: () => settings.get().local_encoding }),
    jobRoutes({
      view: queue,
      actions: service,
      sse: { keepaliveMs: o.sseKeepaliveMs ?? 15_000, maxBufferedBytes: o.sseMaxBufferedBytes ?? 4 * 1024 * 1024 },
    }),
  ];
  // D17: the main listener is either the add-on's ingress (only the Supervisor's proxy may talk to
  // it) or a plain listener guarded by the token when one is set; the direct API port always needs it.
  // D21: without a token, the plain listener serves only expected host names (DNS rebinding).
  const token = () => settings.get().api_token;
  const hosts = knownHostNames(() => settings.get());
  const ingress = s.allowed_peers.length > 0;
  // Home Assistant authenticates ingress users; its proxy sends no token of ours.
  const mainGlobal = ingress ? [peerMiddleware(() => settings.get().allowed_peers)] : [hostMiddleware(hosts, () => !token()), sameOriginMiddleware()];
  const main = await listen(createHttpApp({ log, global: mainGlobal, guards: ingress ? [] : [tokenGuard(token)], guarded, open }).callback(), s.port, s.host);
  const api = s.api_port > 0 ? await listen(createHttpApp({ log, global: [sameOriginMiddleware()], guards: [tokenGuard(token)], guarded, open }).callback(), s.api_port, s.host) : undefined;
  const url = main.url;
  log.info({ url, api: api?.url, media: s.media_paths, data: settings.dataDir, temp: tempDir(), workers: s.workers }, 'shrinkray listening');

  pool.start(s.workers);
  // D19: requests answered 202 before a crash are discovered again.
  const resumed = service.resumeAccepted();
  if (resumed > 0) log.info({ requests: resumed }, 'resumed accepted requests');

  // Home Assistant over MQTT (issue 5): a subscriber like SSE; a missing broker changes nothing else.
  const mqtt = await startMqtt({ settings: s, view: queue, actions: service, encoders, store, log, version: VERSION, ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}), ...(o.mqttReconnectBackoffMs ? { reconnectBackoffMs: o.mqttReconnectBackoffMs } : {}), ...(s.remote_workers ? { remoteWorkers: () => remote?.list() ?? [], onBroker: remoteOn } : {}) }, o.mqttRetryMs);
  // A re-detection changes the encoder entity: a `stats` event makes the mirrors republish state.
  const unwatchEncoders = encoders.onChange(() => queue.statsChanged());

  return {
    queue,
    service,
    pool,
    encoders,
    settings,
    url: () => url,
    apiUrl: () => api?.url,
    flush: () => store.flush(),
    stop: () => {
      stopping ??= (async () => {
        await service.close();
        await encoders.close();
        await pool.stop();
        await remote?.stop();
        unwatchEncoders();
        await mqtt.stop();
        unwatchBrowse();
        unwatchHistory();
        await notifier.stop();
        await browser.close();
        await Promise.all([close(main.server), api ? close(api.server) : undefined]);
        await store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

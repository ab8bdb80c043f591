import { mkdir, stat, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { metaRoutes } from './api/meta-routes.js';
import { jobRoutes } from './api/routes.js';
import { createHttpApp } from './api/server.js';
import type { SettingsStore } from './config/index.js';
import { detectSoftwareEncoders, EncoderRegistry } from './ffmpeg/registry.js';
import { createIdFactory } from './jobs/job.js';
import { WorkerPool } from './jobs/pool.js';
import { processJob } from './jobs/processor.js';
import { Queue } from './jobs/queue.js';
import { inWindow } from './jobs/schedule.js';
import { JobService } from './jobs/service.js';
import { removeLeftovers, tempPathFor } from './jobs/tempfiles.js';
import type { Logger } from './log.js';
import { JobStore } from './store/store.js';
import { VERSION } from './version.js';

export interface AppOptions {
  settings: SettingsStore;
  log: Logger;
  clock?: () => Date;
  /** SSE keepalive (D6, default 15 s) and per-client buffer bound. */
  sseKeepaliveMs?: number;
  sseMaxBufferedBytes?: number;
  /** Media roots that may be created when missing (the built-in default only). */
  createMissingMedia?: boolean;
}

export interface App {
  readonly queue: Queue;
  readonly service: JobService;
  readonly pool: WorkerPool;
  readonly encoders: EncoderRegistry;
  readonly settings: SettingsStore;
  /** Base URL once listening, e.g. `http://127.0.0.1:8080`. */
  url(): string;
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
  const leftovers = await removeLeftovers(tempDir());
  if (leftovers.length > 0) log.info({ files: leftovers }, 'removed temp files left by an earlier run');

  const store = await JobStore.open(settings.dataDir, (error) => log.error({ err: error }, 'database write failed'));
  const { queue, recovered } = await Queue.load({ store, clock });
  for (const job of recovered) {
    if (job.temp_path) await unlink(job.temp_path).catch(() => undefined);
    await removeLeftovers(dirname(job.input_path));
  }
  if (recovered.length > 0) log.info({ jobs: recovered.map((j) => j.id) }, 'jobs that were running are pending again');

  const encoders = new EncoderRegistry();
  encoders.set(await detectSoftwareEncoders(s.ffmpeg_path), clock());
  log.info({ encoders: encoders.available().map((e) => e.encoder) }, 'encoders detected');

  const pool = new WorkerPool({
    queue,
    log,
    tempPathFor: (job) => tempPathFor(tempDir(), job.input_path, settings.get().output_format),
    canStart: () => {
      const cur = settings.get();
      return !cur.schedule_enabled || inWindow(clock().getHours(), cur.schedule_start_hour, cur.schedule_end_hour);
    },
    process: (job, temp, signal) => processJob(job, temp, signal, { queue, settings: () => settings.get(), encoders, log }),
  });
  const service = new JobService({ queue, pool, settings, encoders, nextId: createIdFactory(clock), clock, log });
  settings.on('change', (next, previous) => {
    if (next.log_level !== previous.log_level) log.level = next.log_level;
    if (next.workers !== previous.workers && next.workers !== pool.runningCount()) void pool.resize(next.workers);
  });

  const http = createHttpApp({
    log,
    token: () => settings.get().api_token,
    routers: [
      metaRoutes({ view: queue, encoders, version: VERSION, startedAt: Date.now(), now: Date.now }),
      jobRoutes({
        view: queue,
        actions: service,
        sse: { keepaliveMs: o.sseKeepaliveMs ?? 15_000, maxBufferedBytes: o.sseMaxBufferedBytes ?? 4 * 1024 * 1024 },
      }),
    ],
  });
  const server: Server = createServer(http.callback());
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(s.port, s.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  log.info({ url, media: s.media_paths, data: settings.dataDir, temp: tempDir(), workers: s.workers }, 'shrinkray listening');

  pool.start(s.workers);

  let stopping: Promise<void> | undefined;
  return {
    queue,
    service,
    pool,
    encoders,
    settings,
    url: () => url,
    stop: () => {
      stopping ??= (async () => {
        await service.close();
        await pool.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

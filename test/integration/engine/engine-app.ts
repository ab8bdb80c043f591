/** An app for the engine tests: like test/helpers/app.ts, plus a fake /dev/dri, a fake ffmpeg and the log. */

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, startApp } from '../../../src/app.js';
import { SettingsStore } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { type FakeControl, FakeFfmpeg } from '../../helpers/fake-ffmpeg.js';
import { get, post, waitFor } from '../../helpers/http.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface EngineApp {
  app: App;
  url: string;
  root: string;
  media: string;
  /** Null when the test runs the real ffmpeg. */
  fake: FakeFfmpeg | null;
  logs: LogLine[];
  dispose(): Promise<void>;
}

export interface EngineAppOptions {
  overrides?: Record<string, unknown>;
  /** Use the fake ffmpeg with these rules; absent = the real ffmpeg. */
  fake?: FakeControl;
  /** Names to create in the fake /dev/dri folder (e.g. `renderD128`, `card0`). */
  dri?: string[];
}

export async function startEngineApp(o: EngineAppOptions = {}): Promise<EngineApp> {
  const root = await mkdtemp(join(tmpdir(), 'shrinkray-engine-'));
  const media = join(root, 'media');
  const dri = join(root, 'dri');
  await mkdir(media, { recursive: true });
  await mkdir(dri, { recursive: true });
  for (const name of o.dri ?? []) await mkdir(join(dri, name));
  const fake = o.fake ? await FakeFfmpeg.create(root, o.fake) : null;
  const overrides = {
    media_paths: [media],
    temp_path: join(root, 'temp'),
    port: 0,
    host: '127.0.0.1',
    ...(fake ? { ffmpeg_path: fake.path } : {}),
    ...o.overrides,
  };
  const settings = SettingsStore.fromValues({}, overrides, join(root, 'data'), root);
  const logs: LogLine[] = [];
  const log = createLogger('debug', {
    write: (line: string) => {
      logs.push(JSON.parse(line) as LogLine);
      if (process.env.TEST_LOG) process.stdout.write(line);
    },
  });
  const app = await startApp({ settings, log, driDir: dri });
  return {
    app,
    url: app.url(),
    root,
    media,
    fake,
    logs,
    dispose: async () => {
      await app.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Queues files (the queue must be running) and waits until every job is terminal. */
export async function runJobs(t: EngineApp, paths: string[], preset = 'compress-hevc', timeoutMs = 60_000) {
  const res = await post(t.url, '/api/jobs', { paths, preset_id: preset });
  if (res.status !== 202) throw new Error(`POST /api/jobs: ${res.status} ${JSON.stringify(res.body)}`);
  return waitFor(
    async () => {
      const jobs = (await get(t.url, '/api/jobs')).body.jobs as Array<Record<string, unknown>>;
      const done = jobs.length === paths.length && jobs.every((j) => ['complete', 'failed', 'skipped', 'cancelled'].includes(String(j.status)));
      return done ? jobs : undefined;
    },
    'jobs to finish',
    timeoutMs,
  );
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type AppOptions, startApp } from '../../src/app.js';
import { SettingsStore } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';

export interface TestApp {
  app: App;
  url: string;
  root: string;
  media: string;
  data: string;
  temp: string;
  /** Stops the app (idempotent). */
  stop(): Promise<void>;
  /** Stops the app and removes every folder. */
  dispose(): Promise<void>;
  /** Starts a new app on the same folders (a restart). */
  restart(overrides?: Record<string, unknown>): Promise<TestApp>;
}

/** A real app on a free port with its own temp folders, log silenced. */
export async function startTestApp(opts: { overrides?: Record<string, unknown>; root?: string; clock?: () => Date; sseKeepaliveMs?: number; sseMaxBufferedBytes?: number; appOptions?: Partial<AppOptions> } = {}): Promise<TestApp> {
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'shrinkray-test-')));
  const media = join(root, 'media');
  const data = join(root, 'data');
  const temp = join(root, 'temp');
  await mkdir(media, { recursive: true });
  const overrides = { media_paths: [media], temp_path: temp, port: 0, host: '127.0.0.1', ...opts.overrides };
  const settings = SettingsStore.fromValues({}, overrides, data, root);
  const log = createLogger(process.env.TEST_LOG ? 'debug' : 'silent');
  const app = await startApp({ ...opts.appOptions, settings, log, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.sseKeepaliveMs ? { sseKeepaliveMs: opts.sseKeepaliveMs } : {}), ...(opts.sseMaxBufferedBytes ? { sseMaxBufferedBytes: opts.sseMaxBufferedBytes } : {}) });
  const t: TestApp = {
    app,
    url: app.url(),
    root,
    media,
    data,
    temp,
    stop: () => app.stop(),
    dispose: async () => {
      await app.stop();
      await rm(root, { recursive: true, force: true });
    },
    restart: async (more) => {
      await app.stop();
      return startTestApp({ ...opts, root, overrides: { ...opts.overrides, ...more } });
    },
  };
  return t;
}

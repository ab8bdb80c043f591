import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger, type Logger } from '../../../src/log.js';

export interface ConfigTestApp {
  app: App;
  url: string;
  root: string;
  media: string;
  data: string;
  log: Logger;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export interface StartOptions {
  root?: string;
  /** Extra command-line flags (after the folders and listener the helper sets). */
  argv?: string[];
  env?: Record<string, string>;
  clock?: () => Date;
  scheduleRecheckMs?: number;
}

/**
 * The real app built the way main.ts builds it (loadConfig: flags > env > settings.yaml), in temp
 * folders on a free port. Only the folders and the listener are given as flags, so every other
 * setting comes from settings.yaml and survives a restart on the same root.
 */
export async function startFromConfig(o: StartOptions = {}): Promise<ConfigTestApp> {
  const root = o.root ?? (await mkdtemp(join(tmpdir(), 'shrinkray-cfg-')));
  const media = join(root, 'media');
  const data = join(root, 'data');
  await mkdir(media, { recursive: true });
  const argv = ['--data', data, '--media', media, '--temp', join(root, 'temp'), '--port', '0', '--host', '127.0.0.1', ...(o.argv ?? [])];
  const config = await loadConfig({ argv, env: o.env ?? {}, cwd: root });
  const log = createLogger(process.env.TEST_LOG ? 'debug' : 'silent');
  const app = await startApp({
    settings: config.settings,
    log,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.scheduleRecheckMs ? { scheduleRecheckMs: o.scheduleRecheckMs } : {}),
  });
  return {
    app,
    url: app.url(),
    root,
    media,
    data,
    log,
    stop: () => app.stop(),
    dispose: async () => {
      await app.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

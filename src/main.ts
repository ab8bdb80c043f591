#!/usr/bin/env node
import { startApp } from './app.js';
import { ConfigError, helpText, loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { VERSION } from './version.js';

async function main(): Promise<number> {
  // Worker mode (issue 12): this machine encodes for a coordinator over MQTT.
  if (process.argv[2] === 'worker') {
    const { workerMain } = await import('./remote/worker-main.js');
    return workerMain(process.argv.slice(3), process.env, process.cwd());
  }
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`shrinkray: ${error.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (config.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const settings = config.settings;
  const log = createLogger(settings.get().log_level, undefined, settings.get().log_format);
  // The built-in default media folder is created on first start; a configured one must exist.
  const createMissingMedia = !settings.isOverridden('media_paths') && settings.get().media_paths.length === 1;
  const app = await startApp({ settings, log, createMissingMedia }).catch((error: Error) => {
    log.fatal({ err: error }, `cannot start: ${error.message}`);
    return undefined;
  });
  if (!app) return 1;
  await new Promise<void>((resolve) => {
    // `on`, not `once`: execa's exit hook re-raises a signal that no other listener handles.
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received += 1;
      if (received > 1) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await app.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`shrinkray: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);

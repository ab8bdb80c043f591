/** `shrinkray worker …`: worker mode's process (issue 12). */
import { loadWorkerOptions, WORKER_HELP, type WorkerOptions } from '../config/worker.js';
import { runCommand } from '../ffmpeg/command.js';
import { detectEncoders } from '../ffmpeg/detect.js';
import { EncoderRegistry } from '../ffmpeg/registry.js';
import { listRenderNodes } from '../ffmpeg/render-nodes.js';
import { isOurLeftover, removeLeftovers } from '../jobs/tempfiles.js';
import { createLogger } from '../log.js';
import { killOrphans } from '../util/child.js';
import { VERSION } from '../version.js';
import { RemoteWorker, workerTag } from './worker.js';

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function workerMain(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  let opts: WorkerOptions;
  try {
    opts = loadWorkerOptions(argv, env, cwd);
  } catch (error) {
    process.stderr.write(`shrinkray worker: invalid options:\n  ${(error as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  const log = createLogger(opts.logLevel, undefined, opts.logFormat).child({ worker: opts.name });
  // An encoder of an earlier run of this worker that slipped past pdeathsig (D20).
  const tag = workerTag(opts.name);
  const orphans = await killOrphans(opts.temp, (name) => isOurLeftover(name, tag)).catch(() => []);
  if (orphans.length > 0) log.warn({ pids: orphans }, 'stopped encoders left running by an earlier run');
  const leftovers = await removeLeftovers(opts.temp, tag);
  if (leftovers.length > 0) log.info({ files: leftovers }, 'removed temp files left by an earlier run');
  const encoders = new EncoderRegistry({
    log,
    detector: (signal) => detectEncoders({ ffmpeg: opts.ffmpeg, run: runCommand, renderNodes: () => listRenderNodes('/dev/dri'), platform: process.platform, signal, clock: () => new Date() }),
  });
  encoders.start();
  const worker = new RemoteWorker({ opts, version: VERSION, tag, encoders, log });
  await worker.start();
  log.info({ name: opts.name, slots: opts.slots, path_maps: opts.pathMaps, version: VERSION }, 'worker started');
  await new Promise<void>((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received += 1;
      if (received > 1) process.exit(130);
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await encoders.close();
  await worker.stop();
  return 0;
}

/**
 * A real Mosquitto broker for tests: a free port on 127.0.0.1, a temp config (anonymous, no persistence),
 * started and stopped on demand. `stop()` + `start()` reuse the same port, so clients can reconnect to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export interface Broker {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Starts the broker again on the same port (after `stop`). */
  start(): Promise<void>;
  /** Stops the broker (SIGTERM, SIGKILL after 3 s); retained messages are gone (no persistence). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port. */
  restart(): Promise<void>;
  running(): boolean;
  /** Stops the broker and removes the temp folder. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilAccepting(
  port: number,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `mosquitto exited early (${child.exitCode ?? child.signalCode}): ${stderr()}`,
      );
    }
    if (await canConnect(port)) return;
    await sleep(20);
  }
  throw new Error(`mosquitto did not accept connections on ${port} within 5 s: ${stderr()}`);
}

/** Starts Mosquitto on a free port. Retries with another port if the chosen one was taken meanwhile. */
export async function startBroker(options: { extraConfig?: string[] } = {}): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'shrinkray-mosquitto-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const broker = new MosquittoBroker(port, dir, options.extraConfig ?? []);
    try {
      await broker.start();
      return broker;
    } catch (error) {
      lastError = error;
      await broker.stop();
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

class MosquittoBroker implements Broker {
  readonly url: string;
  private child: ChildProcess | undefined;
  private readonly configPath: string;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraConfig: string[] = [],
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
    this.configPath = join(dir, `mosquitto-${port}.conf`);
  }

  running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const config = [
      `listener ${this.port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...this.extraConfig,
      '',
    ].join('\n');
    await writeFile(this.configPath, config);
    let stderr = '';
    const child = spawn(MOSQUITTO_BIN, ['-c', this.configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.child = child;
    try {
      await waitUntilAccepting(this.port, child, () => stderr);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

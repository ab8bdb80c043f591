/** Shared pieces for the MQTT integration tests: an observing client and a bridge on a fake queue. */
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { buildDiscovery, type MqttBridge, type MqttOptions, makeTopics, startMqttBridge } from '../../../src/mqtt/index.js';
import { type Broker, startBroker } from '../../helpers/broker.js';
import { FakeQueue, fakeEncoders, silentLog } from './fake-queue.js';

export interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

/** A plain MQTT client that records everything it receives on the given subscriptions. */
export class Observer {
  readonly messages: Seen[] = [];
  private waiters: { test: (m: Seen) => boolean; resolve: (m: Seen) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const seen = { topic, payload: payload.toString(), retain: packet.retain, at: Date.now() };
      this.messages.push(seen);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(seen)) return true;
        w.resolve(seen);
        return false;
      });
    });
  }

  static async connect(url: string, topics: string[]): Promise<Observer> {
    const client = await connectAsync(url, {
      reconnectPeriod: 100,
      clean: true,
      protocolVersion: 4,
    });
    const observer = new Observer(client);
    if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
    return observer;
  }

  on(topic: string): Seen[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  last(topic: string): Seen | undefined {
    return this.on(topic).at(-1);
  }

  /** Resolves with the first message (already seen or future) that passes `test`. */
  waitFor(test: (m: Seen) => boolean, what: string, timeoutMs = 5000, since = 0): Promise<Seen> {
    const hit = this.messages.slice(since).find(test);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (m: Seen): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  waitForPayload(
    topic: string,
    test: (payload: string) => boolean,
    what = topic,
    timeoutMs = 5000,
  ): Promise<Seen> {
    return this.waitFor((m) => m.topic === topic && test(m.payload), what, timeoutMs);
  }

  /** Resolves once the newest message on `topic` passes `test` (now, or when a future one arrives). */
  waitForLast(
    topic: string,
    test: (payload: string) => boolean,
    what = topic,
    timeoutMs = 5000,
  ): Promise<Seen> {
    const last = this.last(topic);
    if (last && test(last.payload)) return Promise.resolve(last);
    return this.waitFor(
      (m) => m.topic === topic && test(m.payload),
      what,
      timeoutMs,
      this.messages.length,
    );
  }

  async publish(topic: string, payload: string, retain = false): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}

let counter = 0;

export interface TestBridge {
  bridge: MqttBridge;
  queue: FakeQueue;
  opts: MqttOptions;
  base: string;
  node: string;
  /** The bridge's own mqtt.js client (captured through the `connect` seam), e.g. to cut its socket. */
  client(): MqttClient;
}

/** A bridge with its own base topic and instance id, quick timings, on a fresh FakeQueue. */
export function startTestBridge(
  broker: Broker,
  over: Partial<MqttOptions> = {},
  queue = new FakeQueue(),
): TestBridge {
  counter += 1;
  const id = `${process.pid}_${counter}`;
  const opts: MqttOptions = {
    url: broker.url,
    baseTopic: `srtest${id}`,
    discoveryPrefix: 'homeassistant',
    stateIntervalMs: 200,
    instanceId: id,
    swVersion: '0.0.0-test',
    birthJitterMs: [20, 60],
    reconnectBackoffMs: [100, 800],
    ...over,
  };
  let client: MqttClient | undefined;
  const bridge = startMqttBridge(opts, {
    view: queue,
    actions: queue,
    encoders: fakeEncoders,
    log: silentLog,
    connect: (url, options) => {
      client = connect(url, options);
      return client;
    },
  });
  const captured = (): MqttClient => {
    if (!client) throw new Error('no client');
    return client;
  };
  return {
    bridge,
    queue,
    opts,
    base: opts.baseTopic,
    node: `shrinkray_${opts.instanceId}`,
    client: captured,
  };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** How many discovery configs the bridge publishes (one per entity). */
export const ENTITY_COUNT = buildDiscovery({ topics: makeTopics('x', 'homeassistant', 'x'), swVersion: '1' }).length;

/**
 * Mocha hooks shared by the broker suites: one real Mosquitto for the suite, and a list of cleanups
 * run (last first) after each test.
 */
export function useBroker(): { broker: () => Broker; cleanup: (() => Promise<void>)[] } {
  let broker: Broker | undefined;
  const cleanup: (() => Promise<void>)[] = [];
  before(async () => {
    broker = await startBroker();
  });
  after(async () => {
    await broker?.close();
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  return {
    broker: () => {
      if (!broker) throw new Error('the broker is started in before()');
      return broker;
    },
    cleanup,
  };
}

export interface StandInSupervisor {
  url: string;
  /** `METHOD path Authorization` of every call. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for the Home Assistant Supervisor: `/services/mqtt` points at the broker, `/addons/self/info`
 * and `/info` describe the add-on and the machine. `info` null answers 404 for `/info`.
 */
export async function startSupervisor(
  broker: Broker,
  opts: { slug?: string; info?: Record<string, unknown> | null } = {},
): Promise<StandInSupervisor> {
  const { createServer } = await import('node:http');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    res.setHeader('content-type', 'application/json');
    const ok = (data: unknown) => res.end(JSON.stringify({ result: 'ok', data }));
    if (req.url === '/services/mqtt') {
      ok({ addon: 'core_mosquitto', host: '127.0.0.1', port: broker.port, ssl: false, protocol: '3.1.1', username: 'addons', password: 'secret' });
    } else if (req.url === '/addons/self/info') {
      ok({ slug: opts.slug ?? 'local_shrinkray', hostname: 'local-shrinkray' });
    } else if (req.url === '/info' && opts.info !== null) {
      ok(opts.info ?? { machine: 'generic-x86-64', hostname: 'homeassistant', machine_id: '0123456789abcdef0123456789abcdef' });
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ result: 'error', message: 'not found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The retained discovery configs on the broker right now, as a late subscriber (Home Assistant) sees them. */
export async function retainedConfigs(url: string, prefix = 'homeassistant', settleMs = 300): Promise<Seen[]> {
  const late = await Observer.connect(url, [`${prefix}/+/+/+/config`]);
  await sleep(settleMs);
  await late.end();
  return late.messages.filter((m) => m.retain && m.payload !== '');
}

/** `homeassistant/<component>/<node>/<object>/config` → node. */
export const nodeOfTopic = (topic: string): string => topic.split('/').at(-3) ?? '';

/**
 * A TCP front for the broker that decides per connection, from the CONNECT's protocol level (4 = 3.1.1,
 * 5 = MQTT 5), whether to pass it through or refuse it with a CONNACK return code (as a 3.1.1 broker
 * would answer: two bytes, no properties, when `v3Answer`).
 */
export async function startGatekeeper(
  brokerPort: number,
  decide: (level: number, attempt: number) => 'pass' | { refuse: number; v3Answer?: boolean },
): Promise<{ url: string; levels: number[]; close(): Promise<void> }> {
  const net = await import('node:net');
  const levels: number[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (first: Buffer) => {
      // fixed header (1 byte + varint length), then "\0\4MQTT", then the level byte
      let i = 1;
      while ((first[i] ?? 0) & 0x80) i += 1;
      const level = first[i + 1 + 6] ?? 0;
      levels.push(level);
      const verdict = decide(level, levels.length);
      if (verdict === 'pass') {
        const upstream = net.createConnection({ port: brokerPort, host: '127.0.0.1' });
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          socket.destroy();
        });
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.write(first);
        socket.pipe(upstream);
        upstream.pipe(socket);
        return;
      }
      const answer = level === 5 && !verdict.v3Answer ? [0x20, 0x03, 0x00, verdict.refuse, 0x00] : [0x20, 0x02, 0x00, verdict.refuse];
      socket.end(Buffer.from(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    levels,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

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

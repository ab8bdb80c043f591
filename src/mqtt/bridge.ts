/**
 * The connection shell: one mqtt.js client, availability with a last will, discovery on every (re)connect
 * and after Home Assistant's birth message, cleanup of stale discovery configs, commands, and reconnect
 * with backoff. Everything it publishes is fire-and-forget: a broker that is down never blocks the queue.
 */
import { randomBytes } from 'node:crypto';
import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { QueueActions, QueueView } from '../jobs/actions.js';
import { CommandQueue, handleRequest, handleSet, isEmptyCommand } from './commands.js';
import { buildDiscovery, isValidConfigurationUrl, staleConfigReason } from './discovery.js';
import type { MqttLogger } from './logger.js';
import { StateMirror } from './mirror.js';
import { checkBrokerUrl, checkTopicOptions, MQTT_DEFAULTS, type MqttOptions } from './options.js';
import { realTimers } from './rate-limit.js';
import type { EncoderInfo } from './state.js';
import { makeTopics, topicId } from './topics.js';
import { isWorkerDiscoveryTopic, WorkerEntities, type WorkerSummary } from './workers.js';

export interface MqttDeps {
  view: QueueView;
  actions: QueueActions;
  encoders: () => EncoderInfo;
  log: MqttLogger;
  clock?: () => number;
  /** The mqtt.js `connect`; a test seam. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
  random?: () => number;
  /** Remote workers known to the coordinator (issue 12): one online and one running-jobs entity each. */
  remoteWorkers?: () => WorkerSummary[];
}

export interface MqttBridge {
  /** Publishes a retained `offline`, then ends the client. Never rejects. */
  stop(): Promise<void>;
  connected(): boolean;
}

const STOP_TIMEOUT_MS = 2000;

/** What a misconfigured bridge returns: MQTT stays off, nothing else is affected. */
const OFF: MqttBridge = { stop: async () => {}, connected: () => false };

const withTimeout = (promise: Promise<unknown>, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });

export function startMqttBridge(opts: MqttOptions, deps: MqttDeps): MqttBridge {
  const { log } = deps;
  const urlProblem = checkBrokerUrl(opts.url);
  const problems = [
    ...checkTopicOptions(opts.baseTopic, opts.discoveryPrefix),
    ...(urlProblem === null ? [] : [urlProblem]),
  ];
  if (problems.length > 0) {
    log.error({ problems }, 'MQTT is off: invalid settings');
    return OFF;
  }
  if (opts.configurationUrl !== undefined && !isValidConfigurationUrl(opts.configurationUrl)) {
    log.warn(
      { url: opts.configurationUrl },
      'MQTT: configuration_url left out (needs http(s):// or homeassistant://)',
    );
  }
  const random = deps.random ?? Math.random;
  const topics = makeTopics(opts.baseTopic, opts.discoveryPrefix, opts.instanceId);
  const discoveryContext = {
    topics,
    swVersion: opts.swVersion,
    ...(opts.configurationUrl === undefined ? {} : { configurationUrl: opts.configurationUrl }),
  };
  const discovery = buildDiscovery(discoveryContext);
  const cleanup = {
    topics,
    current: new Set(discovery.map((message) => message.topic)),
    previousNodeIds: new Set(
      (opts.previousInstanceIds ?? []).map((id) => topicId(`shrinkray_${id}`)).filter((node) => node !== topics.nodeId),
    ),
  };
  const cleanupWindowMs = opts.cleanupWindowMs ?? MQTT_DEFAULTS.cleanupWindowMs;
  const maxCommandBytes = MQTT_DEFAULTS.maxCommandBytes;
  const [backoffMin, backoffMax] = opts.reconnectBackoffMs ?? MQTT_DEFAULTS.reconnectBackoffMs;
  const [jitterMin, jitterMax] = opts.birthJitterMs ?? MQTT_DEFAULTS.birthJitterMs;

  const options: IClientOptions = {
    clientId: opts.clientId ?? `${topics.nodeId}_${randomBytes(4).toString('hex')}`,
    // MQTT 5 first: with "retain as published" on the command subscriptions, a command published with
    // retain set is seen as retained and never runs. A broker that only speaks 3.1.1 refuses the
    // connect (code 1); the next attempt then uses 3.1.1.
    protocolVersion: 5,
    // mqtt.js gives up after any refused connect unless told otherwise; a broker that is still starting
    // (or an add-on whose credentials are not in place yet) refuses for a while, then accepts.
    reconnectOnConnackError: true,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: backoffMin,
    resubscribe: false,
    queueQoSZero: false,
    will: { topic: topics.status, payload: Buffer.from('offline'), retain: true, qos: 1 },
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
  };
  let client: MqttClient;
  try {
    client = (deps.connect ?? mqttConnect)(opts.url, options);
  } catch (error) {
    // mqtt.js throws at once for a URL it cannot use (unknown protocol, no host).
    log.error({ err: error, url: opts.url }, 'MQTT is off: cannot use the broker URL');
    return OFF;
  }

  const publish = (
    topic: string,
    payload: string,
    publishOpts: { retain: boolean; qos: 0 | 1 },
  ): void => {
    if (!client.connected) return;
    try {
      client.publish(topic, payload, publishOpts, (error) => {
        if (error) log.debug({ err: error, topic }, 'MQTT publish failed');
      });
    } catch (error) {
      // mqtt.js throws for some bad topics; a publish is never worth an exception in a handler.
      log.warn({ err: error, topic }, 'MQTT publish refused');
    }
  };
  const remoteWorkers = deps.remoteWorkers;
  const workerEntities =
    remoteWorkers === undefined
      ? undefined
      : new WorkerEntities({ ctx: discoveryContext, list: remoteWorkers, publish, isConnected: () => client.connected });
  const mirror = new StateMirror({
    view: deps.view,
    encoders: deps.encoders,
    topics,
    publish,
    isConnected: () => client.connected,
    intervalMs: opts.stateIntervalMs,
    timers: realTimers(deps.clock),
    log,
    ...(workerEntities === undefined ? {} : { onState: (force: boolean) => workerEntities.sync(force) }),
  });
  mirror.start();

  const publishDiscovery = (): void => {
    for (const message of discovery) {
      publish(message.topic, JSON.stringify(message.payload), { retain: true, qos: 1 });
    }
  };
  const announce = (): void => {
    publish(topics.status, 'online', { retain: true, qos: 1 });
    publishDiscovery();
    mirror.publishAll();
  };

  // At connect, before our configs go out: look at every retained discovery config once and remove the
  // stale ones of ours (see staleConfigReason). The scan ends when our own `sync` marker comes back (the
  // broker sends the retained messages first) or after cleanupWindowMs; then our configs are published,
  // so an old device's entities are gone before the new ones take their entity ids.
  let scan: { nonce: string; timer: ReturnType<typeof setTimeout> } | undefined;
  const finishScan = (): void => {
    if (scan === undefined) return;
    clearTimeout(scan.timer);
    scan = undefined;
    if (!client.connected) return;
    client.unsubscribe([topics.discoveryScan, topics.sync], (error) => {
      if (error) log.debug({ err: error }, 'MQTT unsubscribe failed');
    });
    publishDiscovery();
  };
  const startScan = (): void => {
    if (scan !== undefined) clearTimeout(scan.timer);
    const nonce = randomBytes(8).toString('hex');
    scan = { nonce, timer: setTimeout(finishScan, cleanupWindowMs) };
    client.subscribe([topics.discoveryScan, topics.sync], { qos: 1 }, (error) => {
      if (error || scan?.nonce !== nonce) {
        if (error) log.warn({ err: error }, 'MQTT: cannot look for stale discovery configs');
        finishScan();
        return;
      }
      publish(topics.sync, nonce, { retain: false, qos: 1 });
    });
  };

  const commands = new CommandQueue(opts.maxPendingCommands ?? MQTT_DEFAULTS.maxPendingCommands, (error) =>
    log.error({ err: error }, 'MQTT command failed unexpectedly'),
  );
  const onCommand = (topic: string, payload: Buffer, retained: boolean): void => {
    // A retained command would run again on every reconnect, and an empty payload is how a retained
    // message is cleared: neither ever runs an action.
    if (retained) {
      log.warn({ topic }, 'MQTT: ignoring a retained command; publish it with retain off');
      return;
    }
    if (isEmptyCommand(payload)) {
      log.info({ topic }, 'MQTT: ignoring an empty command (clearing a retained message?); send {} to run it');
      return;
    }
    const isRequest = topic.startsWith(topics.requestPrefix);
    const action = topic.slice(isRequest ? topics.requestPrefix.length : topics.setPrefix.length);
    const respond = (response: object): void =>
      publish(topics.response(action), JSON.stringify(response), { retain: false, qos: 1 });
    if (payload.length > maxCommandBytes) {
      log.warn({ topic, bytes: payload.length }, 'MQTT: ignoring a command that is too large');
      if (isRequest) respond({ status: 'error', error: `Payload too large (over ${maxCommandBytes} bytes)`, code: 'bad_request' });
      return;
    }
    const queued = commands.push(async () => {
      if (isRequest) {
        respond(await handleRequest(action, payload, deps.actions, (error) => log.error({ err: error, action }, 'MQTT request failed unexpectedly')));
        return;
      }
      const error = await handleSet(action, payload, deps.actions);
      if (error === null) return;
      log.warn({ topic, error }, 'MQTT command rejected');
      mirror.refresh();
    });
    if (!queued) {
      log.warn({ topic, waiting: commands.pending() }, 'MQTT: too many commands waiting; this one is dropped');
      if (isRequest) respond({ status: 'error', error: 'Too many commands waiting; try again later', code: 'busy' });
    }
  };

  let birthTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduleBirthRepublish = (): void => {
    if (birthTimer !== undefined) clearTimeout(birthTimer);
    const delay = jitterMin + random() * Math.max(0, jitterMax - jitterMin);
    birthTimer = setTimeout(() => {
      birthTimer = undefined;
      log.info('MQTT: Home Assistant came online, republishing discovery and state');
      announce();
    }, delay);
  };

  let lastError = '';
  client.on('connect', () => {
    client.options.reconnectPeriod = backoffMin;
    lastError = '';
    log.info({ url: opts.url }, 'MQTT connected');
    const command = client.options.protocolVersion === 5 ? { qos: 1 as const, rap: true } : { qos: 1 as const };
    const subscriptions = { [`${topics.requestPrefix}#`]: command, [`${topics.setPrefix}#`]: command, [topics.haStatus]: { qos: 1 as const } };
    client.subscribe(subscriptions, (error) => {
      if (error) log.warn({ err: error }, 'MQTT subscribe failed');
    });
    publish(topics.status, 'online', { retain: true, qos: 1 });
    mirror.publishAll();
    startScan();
  });
  client.on('reconnect', () => {
    // mqtt.js retries at a fixed period; growing it here gives exponential backoff up to the cap.
    client.options.reconnectPeriod = Math.min(
      (client.options.reconnectPeriod ?? backoffMin) * 2,
      backoffMax,
    );
  });
  client.on('close', () => {
    mirror.forget();
    workerEntities?.forget();
    if (scan !== undefined) clearTimeout(scan.timer);
    scan = undefined;
  });
  client.on('offline', () =>
    log.warn('MQTT disconnected; transcoding goes on, reconnecting in the background'),
  );
  client.on('error', (error) => {
    if ((error as { code?: unknown }).code === 1 && client.options.protocolVersion === 5) {
      client.options.protocolVersion = 4;
      log.info('MQTT: the broker does not speak MQTT 5, using 3.1.1 (it hides the retain flag of live commands)');
      return;
    }
    // A down broker fails every retry with the same error: say it once, then only at debug level.
    if (error.message === lastError) {
      log.debug({ err: error }, 'MQTT error');
      return;
    }
    lastError = error.message;
    log.warn({ err: error }, 'MQTT connection error');
  });
  client.on('message', (topic, payload, packet) => {
    // One bad message must never take the bridge (or the process) down.
    try {
      if (topic === topics.haStatus) {
        if (payload.toString().trim() === 'online') scheduleBirthRepublish();
      } else if (topic.startsWith(topics.requestPrefix) || topic.startsWith(topics.setPrefix)) {
        onCommand(topic, payload, packet.retain);
      } else if (topic === topics.sync) {
        if (scan !== undefined && payload.toString() === scan.nonce) finishScan();
      } else if (scan !== undefined && !isWorkerDiscoveryTopic(topics, topic)) {
        // Worker entities are added and removed with the coordinator's list (WorkerEntities), not here.
        const reason = staleConfigReason(topic, payload, packet.retain, cleanup);
        if (reason !== null) {
          log.info({ topic, reason }, 'MQTT: removing a stale discovery config');
          publish(topic, '', { retain: true, qos: 1 });
        }
      }
    } catch (error) {
      log.error({ err: error, topic }, 'MQTT: failed to handle a message');
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    connected: () => client.connected,
    stop: () => {
      stopping ??= (async () => {
        if (birthTimer !== undefined) clearTimeout(birthTimer);
        if (scan !== undefined) clearTimeout(scan.timer);
        scan = undefined;
        commands.close();
        mirror.stop();
        if (client.connected) {
          const offline = new Promise<void>((resolve) =>
            client.publish(topics.status, 'offline', { retain: true, qos: 1 }, () => resolve()),
          );
          await withTimeout(offline, STOP_TIMEOUT_MS);
        }
        await withTimeout(client.endAsync(!client.connected), STOP_TIMEOUT_MS);
        if (!client.disconnected) client.end(true);
        log.info('MQTT stopped');
      })();
      return stopping;
    },
  };
}

/**
 * The connection shell: one mqtt.js client, availability with a last will, discovery on every (re)connect
 * and after Home Assistant's birth message, cleanup of stale discovery configs, commands, and reconnect
 * with backoff. Everything it publishes is fire-and-forget: a broker that is down never blocks the queue.
 */
import { randomBytes } from 'node:crypto';
import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { QueueActions, QueueView } from '../jobs/actions.js';
import { handleRequest, handleSet } from './commands.js';
import { buildDiscovery, isStaleConfig, isValidConfigurationUrl } from './discovery.js';
import type { MqttLogger } from './logger.js';
import { StateMirror } from './mirror.js';
import { checkBrokerUrl, checkTopicOptions, MQTT_DEFAULTS, type MqttOptions } from './options.js';
import { realTimers } from './rate-limit.js';
import type { EncoderInfo } from './state.js';
import { makeTopics } from './topics.js';

export interface MqttDeps {
  view: QueueView;
  actions: QueueActions;
  encoders: () => EncoderInfo;
  log: MqttLogger;
  clock?: () => number;
  /** The mqtt.js `connect`; a test seam. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
  random?: () => number;
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
  const discovery = buildDiscovery({
    topics,
    swVersion: opts.swVersion,
    ...(opts.configurationUrl === undefined ? {} : { configurationUrl: opts.configurationUrl }),
  });
  const discoveryTopics = new Set(discovery.map((message) => message.topic));
  const [backoffMin, backoffMax] = opts.reconnectBackoffMs ?? MQTT_DEFAULTS.reconnectBackoffMs;
  const [jitterMin, jitterMax] = opts.birthJitterMs ?? MQTT_DEFAULTS.birthJitterMs;

  const options: IClientOptions = {
    clientId: opts.clientId ?? `${topics.nodeId}_${randomBytes(4).toString('hex')}`,
    protocolVersion: 4,
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
    client.publish(topic, payload, publishOpts, (error) => {
      if (error) log.debug({ err: error, topic }, 'MQTT publish failed');
    });
  };
  const mirror = new StateMirror({
    view: deps.view,
    encoders: deps.encoders,
    topics,
    publish,
    isConnected: () => client.connected,
    intervalMs: opts.stateIntervalMs,
    timers: realTimers(deps.clock),
    log,
  });
  mirror.start();

  const announce = (): void => {
    publish(topics.status, 'online', { retain: true, qos: 1 });
    for (const message of discovery) {
      publish(message.topic, JSON.stringify(message.payload), { retain: true, qos: 1 });
    }
    mirror.publishAll();
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
    const subscriptions = [
      `${topics.requestPrefix}#`,
      `${topics.setPrefix}#`,
      topics.haStatus,
      topics.discoveryWildcard,
    ];
    client.subscribe(subscriptions, { qos: 1 }, (error) => {
      if (error) log.warn({ err: error }, 'MQTT subscribe failed');
    });
    announce();
  });
  client.on('reconnect', () => {
    // mqtt.js retries at a fixed period; growing it here gives exponential backoff up to the cap.
    client.options.reconnectPeriod = Math.min(
      (client.options.reconnectPeriod ?? backoffMin) * 2,
      backoffMax,
    );
  });
  client.on('close', () => mirror.forget());
  client.on('offline', () =>
    log.warn('MQTT disconnected; transcoding goes on, reconnecting in the background'),
  );
  client.on('error', (error) => {
    // A down broker fails every retry with the same error: say it once, then only at debug level.
    if (error.message === lastError) {
      log.debug({ err: error }, 'MQTT error');
      return;
    }
    lastError = error.message;
    log.warn({ err: error }, 'MQTT connection error');
  });
  client.on('message', (topic, payload, packet) => {
    if (topic === topics.haStatus) {
      if (payload.toString().trim() === 'online') scheduleBirthRepublish();
      return;
    }
    if (topic.startsWith(topics.requestPrefix) || topic.startsWith(topics.setPrefix)) {
      // A retained command would run again on every reconnect.
      if (packet.retain) {
        log.warn({ topic }, 'MQTT: ignoring a retained command; publish it with retain off');
        return;
      }
      if (topic.startsWith(topics.requestPrefix)) {
        const action = topic.slice(topics.requestPrefix.length);
        void handleRequest(action, payload, deps.actions, (error) =>
          log.error({ err: error, action }, 'MQTT request failed unexpectedly'),
        ).then((response) =>
          publish(topics.response(action), JSON.stringify(response), { retain: false, qos: 1 }),
        );
      } else {
        const name = topic.slice(topics.setPrefix.length);
        void handleSet(name, payload, deps.actions).then((error) => {
          if (error === null) return;
          log.warn({ topic, error }, 'MQTT command rejected');
          mirror.refresh();
        });
      }
      return;
    }
    if (isStaleConfig(topic, payload, packet.retain, discoveryTopics)) {
      log.info({ topic }, 'MQTT: removing a discovery config we no longer publish');
      publish(topic, '', { retain: true, qos: 1 });
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    connected: () => client.connected,
    stop: () => {
      stopping ??= (async () => {
        if (birthTimer !== undefined) clearTimeout(birthTimer);
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

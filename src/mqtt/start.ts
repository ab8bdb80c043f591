import { randomBytes } from 'node:crypto';
import type { Settings } from '../config/index.js';
import type { EncoderRegistry } from '../ffmpeg/registry.js';
import type { QueueActions, QueueView } from '../jobs/actions.js';
import type { Logger } from '../log.js';
import type { JobStore } from '../store/store.js';
import { type MqttBridge, startMqttBridge } from './bridge.js';
import { resolveMqttOptions } from './options.js';

export interface StartMqttDeps {
  settings: Settings;
  view: QueueView;
  actions: QueueActions;
  encoders: EncoderRegistry;
  store: JobStore;
  log: Logger;
  version: string;
  fetchImpl?: typeof fetch;
}

/** Supervisor add-on info → the ingress deep link Home Assistant opens from the device page. */
async function addonIngressUrl(s: Settings, fetchImpl: typeof fetch): Promise<string | undefined> {
  try {
    const res = await fetchImpl(`${s.supervisor_url.replace(/\/$/, '')}/addons/self/info`, {
      headers: { Authorization: `Bearer ${s.supervisor_token}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data?: { slug?: unknown } };
    return typeof body.data?.slug === 'string' ? `homeassistant://hassio/ingress/${body.data.slug}` : undefined;
  } catch {
    return undefined;
  }
}

export interface MqttHandle {
  /** Stops the bridge (publishing `offline`) or the pending Supervisor look-ups. */
  stop(): Promise<void>;
  /** The running bridge, once a broker is known. */
  bridge(): MqttBridge | undefined;
}

/** Supervisor look-ups after a miss: the Mosquitto add-on may start after us, or be installed later. */
const RETRY_MS: readonly number[] = [5_000, 10_000, 30_000, 60_000];

/**
 * Finds the broker (settings, else the Supervisor's MQTT service) and starts the bridge. MQTT off
 * is a log line: nothing else depends on MQTT. A Supervisor without an MQTT service yet is asked
 * again in the background (5 s, 10 s, 30 s, then every minute) until it has one.
 */
export async function startMqtt(d: StartMqttDeps, retryMs: readonly number[] = RETRY_MS): Promise<MqttHandle> {
  const s = d.settings;
  const fetchImpl = d.fetchImpl ?? fetch;
  let bridge: MqttBridge | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let attempt = 0;

  const tryStart = async (): Promise<void> => {
    const resolution = await resolveMqttOptions(
      {
        url: s.mqtt_url,
        username: s.mqtt_username,
        password: s.mqtt_password,
        baseTopic: s.mqtt_base_topic,
        discoveryPrefix: s.mqtt_discovery_prefix,
        supervisorUrl: s.supervisor_url,
        supervisorToken: s.supervisor_token,
      },
      fetchImpl,
    );
    if (stopped) return;
    if (resolution.options) {
      bridge = await launch(d, resolution.options, resolution.source, fetchImpl);
      return;
    }
    if (resolution.source !== 'supervisor') {
      d.log.info({ reason: resolution.reason }, 'MQTT is off');
      return;
    }
    const delay = retryMs[Math.min(attempt, retryMs.length - 1)] ?? 60_000;
    attempt += 1;
    if (attempt === 1) d.log.warn({ reason: resolution.reason, retry_secs: delay / 1000 }, 'no MQTT broker yet; asking the Supervisor again later');
    timer = setTimeout(() => void tryStart(), delay);
    timer.unref();
  };
  await tryStart();
  return {
    bridge: () => bridge,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await bridge?.stop();
    },
  };
}

async function launch(d: StartMqttDeps, found: { url: string; username?: string; password?: string }, source: string, fetchImpl: typeof fetch): Promise<MqttBridge> {
  const s = d.settings;
  let instanceId = await d.store.getMeta<string>('instance_id');
  if (!instanceId) {
    instanceId = randomBytes(4).toString('hex');
    d.store.setMeta('instance_id', instanceId);
  }
  const configurationUrl = s.supervisor_token ? await addonIngressUrl(s, fetchImpl) : s.public_url || undefined;
  const { url, username, password } = found;
  d.log.info({ url, source, instance: instanceId }, 'MQTT bridge starting');
  return startMqttBridge(
    {
      url,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      baseTopic: s.mqtt_base_topic,
      discoveryPrefix: s.mqtt_discovery_prefix,
      clientId: `shrinkray_${instanceId}`,
      stateIntervalMs: s.mqtt_state_interval_secs * 1000,
      instanceId,
      swVersion: d.version,
      ...(configurationUrl ? { configurationUrl } : {}),
    },
    {
      view: d.view,
      actions: d.actions,
      log: d.log,
      encoders: () => {
        const hevc = d.encoders.best('hevc');
        const av1 = d.encoders.best('av1');
        return { best: hevc.encoder, hevc: hevc.encoder, av1: av1.encoder, is_hardware: hevc.accel !== 'none' };
      },
    },
  );
}

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

/**
 * Finds the broker (settings, else the Supervisor's MQTT service) and starts the bridge. MQTT off,
 * or no broker found, is a log line and `undefined`: nothing else depends on MQTT.
 */
export async function startMqtt(d: StartMqttDeps): Promise<MqttBridge | undefined> {
  const s = d.settings;
  const fetchImpl = d.fetchImpl ?? fetch;
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
  if (!resolution.options) {
    d.log.info({ reason: resolution.reason }, 'MQTT is off');
    return undefined;
  }
  let instanceId = await d.store.getMeta<string>('instance_id');
  if (!instanceId) {
    instanceId = randomBytes(4).toString('hex');
    d.store.setMeta('instance_id', instanceId);
  }
  const configurationUrl = s.supervisor_token ? await addonIngressUrl(s, fetchImpl) : s.public_url || undefined;
  const { url, username, password } = resolution.options;
  d.log.info({ url, source: resolution.source, instance: instanceId }, 'MQTT bridge starting');
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

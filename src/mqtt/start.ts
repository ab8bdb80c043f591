import type { Settings } from '../config/index.js';
import type { EncoderRegistry } from '../ffmpeg/registry.js';
import type { QueueActions, QueueView } from '../jobs/actions.js';
import type { Logger } from '../log.js';
import type { JobStore } from '../store/store.js';
import { type MqttBridge, startMqttBridge } from './bridge.js';
import { resolveIdentity, type SupervisorAccess } from './identity.js';
import { resolveMqttOptions } from './options.js';
import type { WorkerSummary } from './workers.js';

export interface StartMqttDeps {
  settings: Settings;
  view: QueueView;
  actions: QueueActions;
  encoders: EncoderRegistry;
  store: JobStore;
  log: Logger;
  version: string;
  fetchImpl?: typeof fetch;
  /** Remote workers (issue 12), when the coordinator runs: their entities. */
  remoteWorkers?: () => WorkerSummary[];
  /** Told the broker once it is known (from the settings or the Supervisor), before the bridge starts. */
  onBroker?: (found: { url: string; username?: string; password?: string }, source: string) => void;
  /** The bridge's reconnect backoff [first, cap] in ms (default 1 s … 30 s); tests use short ones. */
  reconnectBackoffMs?: [number, number];
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
  const baseFetch = d.fetchImpl ?? fetch;
  // stop() aborts every Supervisor call in flight, so a look-up never outlives the service.
  const abort = new AbortController();
  const fetchImpl: typeof fetch = (input, init) =>
    baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, abort.signal]) : abort.signal });
  let bridge: MqttBridge | undefined;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let inFlight: Promise<void> | undefined;
  const stopped = (): boolean => abort.signal.aborted;

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
    if (stopped()) return;
    if (resolution.options) {
      d.onBroker?.(resolution.options, resolution.source);
      bridge = await launch(d, resolution.options, resolution.source, fetchImpl, stopped);
      return;
    }
    if (resolution.source !== 'supervisor') {
      d.log.info({ reason: resolution.reason }, 'MQTT is off');
      return;
    }
    const delay = retryMs[Math.min(attempt, retryMs.length - 1)] ?? 60_000;
    attempt += 1;
    if (attempt === 1) d.log.warn({ reason: resolution.reason, retry_secs: delay / 1000 }, 'no MQTT broker yet; asking the Supervisor again later');
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped()) return;
      inFlight = tryStart().catch((error: unknown) => d.log.error({ err: error }, 'MQTT: starting the bridge failed'));
    }, delay);
    timer.unref();
  };
  inFlight = tryStart();
  await inFlight;
  return {
    bridge: () => bridge,
    stop: async () => {
      abort.abort(new Error('shutting down'));
      if (timer) clearTimeout(timer);
      // A look-up or launch in progress ends first (it sees the abort), so nothing starts after this.
      await inFlight?.catch(() => undefined);
      await bridge?.stop();
    },
  };
}

async function launch(
  d: StartMqttDeps,
  found: { url: string; username?: string; password?: string },
  source: string,
  fetchImpl: typeof fetch,
  stopped: () => boolean,
): Promise<MqttBridge | undefined> {
  const s = d.settings;
  const supervisor: SupervisorAccess | undefined = s.supervisor_token ? { url: s.supervisor_url, token: s.supervisor_token, fetchImpl } : undefined;
  const identity = await resolveIdentity(d.store, supervisor);
  if (stopped()) return undefined;
  const { instanceId, previousIds } = identity;
  const configurationUrl = supervisor
    ? identity.slug === undefined
      ? undefined
      : `homeassistant://hassio/ingress/${identity.slug}`
    : s.public_url || undefined;
  const { url, username, password } = found;
  d.log.info({ url, source, instance: instanceId, identity: identity.source, previous: previousIds }, 'MQTT bridge starting');
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
      previousInstanceIds: previousIds,
      swVersion: d.version,
      ...(configurationUrl ? { configurationUrl } : {}),
      ...(d.reconnectBackoffMs ? { reconnectBackoffMs: d.reconnectBackoffMs } : {}),
    },
    {
      view: d.view,
      actions: d.actions,
      log: d.log,
      ...(d.remoteWorkers === undefined ? {} : { remoteWorkers: d.remoteWorkers }),
      encoders: () => {
        const hevc = d.encoders.best('hevc');
        const av1 = d.encoders.best('av1');
        return { best: hevc.encoder, hevc: hevc.encoder, av1: av1.encoder, is_hardware: hevc.accel !== 'none' };
      },
    },
  );
}

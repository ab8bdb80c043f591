/**
 * Home Assistant entities for remote workers (issue 12): per worker a `binary_sensor` (online) and a
 * `sensor` (running jobs, with the worker's details as attributes), both on one retained JSON topic
 * `<base>/worker/<id>/state`, on the Shrinkray device. Entities appear when the coordinator first knows a
 * worker and are removed (empty retained configs and state) when it forgets one. Knows nothing about the
 * MQTT client: it gets `publish` and asks `isConnected()` like the StateMirror.
 */
import { type DiscoveryContext, type DiscoveryMessage, deviceBlock, originBlock, uniqueId } from './discovery.js';
import type { PublishFn } from './mirror.js';
import type { Topics } from './topics.js';

/** What the bridge needs of a remote worker: a subset of GET /api/workers' entries. */
export interface WorkerSummary {
  name: string;
  online: boolean;
  version: string | null;
  slots: number;
  free: number;
  encoders: { codec: string; encoder: string; hardware: boolean }[];
  running_jobs: string[];
  last_seen: string | null;
}

/** `<base>/worker/<id>/state`; also the running-jobs sensor's attributes (no key HA blocks). */
export interface WorkerStatePayload {
  worker: string;
  online: boolean;
  running: number;
  running_jobs: string[];
  slots: number;
  free: number;
  version: string | null;
  hardware_encoders: string[];
  last_seen: string | null;
}

/** An object id part from a worker name: HA entity ids need `[a-z0-9_]`. */
export function workerObjectId(name: string): string {
  return `worker_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

export function workerStateTopic(topics: Topics, name: string): string {
  return `${topics.base}/worker/${workerObjectId(name).slice('worker_'.length)}/state`;
}

export function projectWorker(w: WorkerSummary): WorkerStatePayload {
  return {
    worker: w.name,
    online: w.online,
    running: w.running_jobs.length,
    running_jobs: w.running_jobs,
    slots: w.slots,
    free: w.free,
    version: w.version,
    hardware_encoders: w.encoders.filter((e) => e.hardware).map((e) => e.encoder),
    last_seen: w.last_seen,
  };
}

/** The two discovery configs of one worker, in the shape of buildDiscovery's. */
export function buildWorkerDiscovery(ctx: DiscoveryContext, name: string): DiscoveryMessage[] {
  const { topics } = ctx;
  const base = workerObjectId(name);
  const state = workerStateTopic(topics, name);
  const device = deviceBlock(ctx);
  const origin = originBlock(ctx);
  const specs = [
    {
      component: 'binary_sensor' as const,
      objectId: `${base}_online`,
      config: { name: `Worker ${name} online`, device_class: 'connectivity', entity_category: 'diagnostic', state_topic: state, value_template: "{{ 'ON' if value_json.online else 'OFF' }}" },
    },
    {
      component: 'sensor' as const,
      objectId: `${base}_running`,
      config: {
        name: `Worker ${name} running jobs`,
        icon: 'mdi:server-network',
        unit_of_measurement: 'jobs',
        state_class: 'measurement',
        state_topic: state,
        value_template: '{{ value_json.running }}',
        json_attributes_topic: state,
      },
    },
  ];
  return specs.map((spec) => {
    const id = uniqueId(topics, spec.objectId);
    return {
      component: spec.component,
      objectId: spec.objectId,
      uniqueId: id,
      topic: topics.discovery(spec.component, spec.objectId),
      payload: { ...spec.config, unique_id: id, default_entity_id: `${spec.component}.shrinkray_${spec.objectId}`, availability_topic: topics.status, device, origin },
    };
  });
}

/** `true` for a discovery topic of a worker entity of ours (the connect-time cleanup leaves them alone). */
export function isWorkerDiscoveryTopic(topics: Topics, topic: string): boolean {
  return topic.startsWith(`${topics.prefix}/`) && topic.includes(`/${topics.nodeId}/worker_`);
}

export interface WorkerEntitiesDeps {
  ctx: DiscoveryContext;
  list: () => WorkerSummary[];
  publish: PublishFn;
  isConnected: () => boolean;
}

/**
 * Keeps the worker entities in step with the coordinator's list: `sync` publishes configs for new
 * workers, each worker's state when it changed, and removes the entities of forgotten workers.
 */
export class WorkerEntities {
  /** Announced workers: name → their discovery topics. */
  private readonly announced = new Map<string, string[]>();
  private readonly last = new Map<string, string>();

  constructor(private readonly d: WorkerEntitiesDeps) {}

  /** `force` (after a (re)connect or HA's birth): every config and state again. */
  sync(force: boolean): void {
    if (!this.d.isConnected()) return;
    let workers: WorkerSummary[];
    try {
      workers = this.d.list();
    } catch {
      return;
    }
    const seen = new Set<string>();
    for (const w of workers) {
      seen.add(w.name);
      if (force || !this.announced.has(w.name)) {
        const messages = buildWorkerDiscovery(this.d.ctx, w.name);
        for (const m of messages) this.d.publish(m.topic, JSON.stringify(m.payload), { retain: true, qos: 1 });
        this.announced.set(w.name, messages.map((m) => m.topic));
      }
      const topic = workerStateTopic(this.d.ctx.topics, w.name);
      const payload = JSON.stringify(projectWorker(w));
      if (!force && this.last.get(topic) === payload) continue;
      this.last.set(topic, payload);
      this.d.publish(topic, payload, { retain: true, qos: 1 });
    }
    for (const [name, topics] of [...this.announced]) {
      if (seen.has(name)) continue;
      for (const topic of topics) this.d.publish(topic, '', { retain: true, qos: 1 });
      const state = workerStateTopic(this.d.ctx.topics, name);
      this.d.publish(state, '', { retain: true, qos: 1 });
      this.last.delete(state);
      this.announced.delete(name);
    }
  }

  /** The connection dropped: the broker may have lost retained messages; `sync(true)` sends all. */
  forget(): void {
    this.last.clear();
  }
}

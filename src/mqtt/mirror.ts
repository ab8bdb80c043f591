/**
 * Mirrors the queue onto retained state topics and the event topic, driven by QueueView.subscribe (no
 * polling). Each state topic has its own RateLimiter (D7): progress waits for the interval, state changes
 * go out on the next tick, and the latest state is always what gets published. Knows nothing about the
 * MQTT client: it gets a `publish` function and asks `isConnected()` before publishing.
 */
import type { QueueView } from '../jobs/actions.js';
import type { QueueEvent } from '../jobs/types.js';
import { type EventPayload, EventTracker } from './events.js';
import type { MqttLogger } from './logger.js';
import { RateLimiter, type Timers } from './rate-limit.js';
import { type EncoderInfo, projectCurrentJob, projectEncoder, projectQueueState } from './state.js';
import type { Topics } from './topics.js';

export type PublishFn = (
  topic: string,
  payload: string,
  opts: { retain: boolean; qos: 0 | 1 },
) => void;

export interface MirrorDeps {
  view: QueueView;
  encoders: () => EncoderInfo;
  topics: Topics;
  publish: PublishFn;
  isConnected: () => boolean;
  intervalMs: number;
  timers: Timers;
  log: MqttLogger;
  /** Called after each state publish (remote worker entities follow the queue state). */
  onState?: (force: boolean) => void;
}

/** Events that happen while the broker is away are kept (newest) and sent on reconnect. */
export const EVENT_BACKLOG = 100;

/** Queue events that change job state: published on the next tick. Others wait for the interval. */
const URGENT: ReadonlySet<QueueEvent['type']> = new Set([
  'started',
  'complete',
  'failed',
  'skipped',
  'cancelled',
  'requeued',
  'paused',
  'workers',
  'stats',
]);

export class StateMirror {
  private readonly stateLimiter: RateLimiter;
  private readonly currentLimiter: RateLimiter;
  private readonly tracker = new EventTracker();
  private readonly last = new Map<string, string>();
  private backlog: EventPayload[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: MirrorDeps) {
    this.stateLimiter = new RateLimiter(
      deps.intervalMs,
      () => this.publishState(false),
      deps.timers,
    );
    this.currentLimiter = new RateLimiter(
      deps.intervalMs,
      () => this.publishCurrent(false),
      deps.timers,
    );
  }

  start(): void {
    this.unsubscribe ??= this.deps.view.subscribe((event) => {
      try {
        this.onEvent(event);
      } catch (error) {
        // Never let a mirror problem reach the queue.
        this.deps.log.error({ err: error }, 'MQTT: failed to mirror a queue event');
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.stateLimiter.cancel();
    this.currentLimiter.cancel();
  }

  /** After (re)connect or Home Assistant's birth: every retained state, whatever was sent before. */
  publishAll(): void {
    this.stateLimiter.cancel();
    this.currentLimiter.cancel();
    this.publishState(true);
    this.publishCurrent(true);
    this.flushEvents();
  }

  /** Republish the queue state soon, e.g. after a rejected switch/number command so HA shows the truth. */
  refresh(): void {
    this.last.delete(this.deps.topics.state);
    this.stateLimiter.request(true);
  }

  flushEvents(): void {
    if (!this.deps.isConnected()) return;
    const pending = this.backlog;
    this.backlog = [];
    for (const event of pending) this.sendEvent(event);
  }

  /** Forget what was sent, e.g. when the connection dropped (the broker may have lost retained state). */
  forget(): void {
    this.last.clear();
  }

  private onEvent(event: QueueEvent): void {
    const { view } = this.deps;
    for (const payload of this.tracker.handle(event, () => view.stats())) this.sendEvent(payload);
    if (event.type === 'notify_sent' || event.type === 'discovery_progress') return;
    const urgent = URGENT.has(event.type);
    if (event.type !== 'progress') this.stateLimiter.request(urgent);
    if (event.type === 'progress' || urgent) this.currentLimiter.request(urgent);
  }

  private sendEvent(payload: EventPayload): void {
    if (!this.deps.isConnected()) {
      this.backlog.push(payload);
      if (this.backlog.length > EVENT_BACKLOG) this.backlog.shift();
      return;
    }
    this.deps.publish(this.deps.topics.event, JSON.stringify(payload), { retain: false, qos: 1 });
  }

  private publishState(force: boolean): void {
    const { view, topics } = this.deps;
    const state = projectQueueState(view.stats(), view.isPaused(), view.workerCount());
    this.publishRetained(topics.state, JSON.stringify(state), force);
    let encoder: string | undefined;
    try {
      encoder = JSON.stringify(projectEncoder(this.deps.encoders()));
    } catch (error) {
      this.deps.log.warn({ err: error }, 'MQTT: encoder info is not available');
    }
    if (encoder !== undefined) this.publishRetained(topics.encoder, encoder, force);
    this.deps.onState?.(force);
  }

  private publishCurrent(force: boolean): void {
    const current = projectCurrentJob(this.deps.view.running());
    this.publishRetained(this.deps.topics.current, JSON.stringify(current), force);
  }

  private publishRetained(topic: string, payload: string, force: boolean): void {
    if (!this.deps.isConnected()) return;
    if (!force && this.last.get(topic) === payload) return;
    this.last.set(topic, payload);
    this.deps.publish(topic, payload, { retain: true, qos: 1 });
  }
}

import { api } from './api.js';
import { EventStream, type StreamState } from './stream.js';
import { type Job, type JobStatus, type QueueState, STATUSES, type Stats } from './types.js';

export type Connection = 'connecting' | 'live' | 'polling';

interface PanelTuning {
  /** Test hook: a shorter stall limit than the 15 s keepalive allows in production. */
  stallMs?: number;
  pollMs?: number;
}
const tuning: PanelTuning = (globalThis as { SHRINKRAY_PANEL?: PanelTuning }).SHRINKRAY_PANEL ?? {};

type Message = { type: string; job?: Job; jobs?: Job[]; stats?: Stats; probed?: number; total?: number; paused?: boolean; workers?: number };

/**
 * The panel's copy of the queue, kept live by GET /api/jobs/stream. While the stream is down it
 * polls, and every (re)connection starts from the server's `init` snapshot. Listeners are called
 * at most once per animation frame, however many events arrive.
 */
export class QueueModel extends EventTarget {
  readonly jobs = new Map<string, Job>();
  order: string[] = [];
  /** Bumped when jobs are added, removed, reordered or change status (filters and sorts depend on it). */
  structure = 0;
  counts: Record<JobStatus, number> = { pending: 0, running: 0, complete: 0, failed: 0, cancelled: 0, skipped: 0 };
  saved = { session: 0, lifetime: 0 };
  queue: QueueState = { paused: false, workers: 1, running: [] };
  discovery: { probed: number; total: number } | undefined;
  connection: Connection = 'connecting';
  private readonly stream: EventStream;
  private frame = 0;
  private timers = new Map<string, number>();
  private poller: number | undefined;
  private queuePoller: number | undefined;
  private discoveryDone: number | undefined;

  constructor() {
    super();
    this.stream = new EventStream({
      path: 'api/jobs/stream',
      stallMs: tuning.stallMs ?? 40_000,
      onMessage: (data) => this.handle(data as Message),
      onState: (state) => this.streamState(state),
    });
  }

  start(): void {
    this.stream.start();
    void this.refreshQueue();
    // The pause state also changes without a job event (MQTT, automations, another tab).
    this.queuePoller = window.setInterval(() => {
      if (document.visibilityState === 'visible') void this.refreshQueue();
    }, tuning.pollMs ?? 3000);
  }

  stop(): void {
    this.stream.stop();
    window.clearInterval(this.queuePoller);
    window.clearInterval(this.poller);
  }

  /** Reads everything again now (after an action whose events may be slow to come). */
  async resync(): Promise<void> {
    const body = await api<{ jobs: Job[]; stats: Stats }>('api/jobs');
    this.snapshot(body.jobs, body.stats);
  }

  async refreshQueue(): Promise<void> {
    try {
      const q = await api<QueueState>('api/queue');
      if (q.paused !== this.queue.paused || q.workers !== this.queue.workers || q.running.join() !== this.queue.running.join()) {
        this.queue = q;
        this.changed();
      }
    } catch {
      // The stream state already says that the service cannot be reached.
    }
  }

  private streamState(state: StreamState): void {
    const next: Connection = state === 'open' ? 'live' : state === 'stalled' ? 'polling' : 'connecting';
    if (next === this.connection) return;
    this.connection = next;
    window.clearInterval(this.poller);
    if (next === 'polling') {
      void this.poll();
      this.poller = window.setInterval(() => void this.poll(), tuning.pollMs ?? 3000);
    }
    this.changed();
  }

  private async poll(): Promise<void> {
    try {
      await this.resync();
      await this.refreshQueue();
    } catch {
      // Still unreachable: the next poll tries again.
    }
  }

  private handle(m: Message): void {
    switch (m.type) {
      case 'init':
        this.snapshot(m.jobs ?? [], m.stats);
        void this.refreshQueue();
        return;
      case 'progress':
        if (m.job) this.upsert(m.job);
        break;
      case 'added':
      case 'started':
      case 'complete':
      case 'failed':
      case 'skipped':
      case 'cancelled':
      case 'requeued':
        if (m.job) this.upsert(m.job, m.type);
        this.later('stats', 400, () => this.refreshStats());
        if (m.type === 'requeued' || m.type === 'started') this.later('queue', 200, () => this.refreshQueue());
        break;
      case 'removed':
        if (m.job && this.jobs.delete(m.job.id)) {
          this.order = this.order.filter((id) => id !== m.job?.id);
          this.recount();
        }
        this.later('stats', 400, () => this.refreshStats());
        break;
      case 'jobs_added':
        // The event carries only a count: read the list once the burst is over.
        this.later('resync', 250, () => this.resync());
        break;
      case 'discovery_progress':
        this.discovery = { probed: m.probed ?? 0, total: m.total ?? 0 };
        window.clearTimeout(this.discoveryDone);
        if (this.discovery.probed >= this.discovery.total) {
          this.discoveryDone = window.setTimeout(() => {
            this.discovery = undefined;
            this.changed();
          }, 1500);
        }
        break;
      case 'paused':
        this.queue = { ...this.queue, paused: m.paused === true };
        break;
      case 'workers':
        if (typeof m.workers === 'number') this.queue = { ...this.queue, workers: m.workers };
        break;
      default:
        return;
    }
    this.changed();
  }

  private snapshot(jobs: Job[], stats: Stats | undefined): void {
    this.jobs.clear();
    for (const job of jobs) this.jobs.set(job.id, job);
    this.order = jobs.map((j) => j.id);
    if (stats) this.saved = { session: stats.session_saved, lifetime: stats.lifetime_saved };
    this.recount();
    this.changed();
  }

  private upsert(job: Job, type?: string): void {
    const old = this.jobs.get(job.id);
    this.jobs.set(job.id, job);
    if (!old) {
      // A retried job takes the failed job's place (the server removes that one next).
      const place = this.order.findIndex((id) => this.jobs.get(id)?.input_path === job.input_path && this.jobs.get(id)?.status === 'failed');
      if (place >= 0) this.order.splice(place, 0, job.id);
      else this.order.push(job.id);
      this.recount();
    } else if (type === 'requeued') {
      this.order = [job.id, ...this.order.filter((id) => id !== job.id)];
      this.recount();
    } else if (old.status !== job.status) this.recount();
  }

  private recount(): void {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const job of this.jobs.values()) counts[job.status] += 1;
    this.counts = counts;
    this.structure += 1;
  }

  private async refreshStats(): Promise<void> {
    const s = await api<Stats>('api/stats');
    this.saved = { session: s.session_saved, lifetime: s.lifetime_saved };
    this.changed();
  }

  private later(key: string, ms: number, task: () => Promise<void>): void {
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      window.setTimeout(() => {
        this.timers.delete(key);
        task().catch(() => undefined);
      }, ms),
    );
  }

  /** Tells listeners once per frame. */
  changed(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.dispatchEvent(new Event('change'));
    });
  }
}

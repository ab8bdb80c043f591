import type { QueueView } from '../jobs/actions.js';
import type { JobStore } from '../store/store.js';

/** One day of the space-saved history. `date` is the server's local calendar day, `YYYY-MM-DD`. */
export interface DayTotal {
  date: string;
  saved: number;
  jobs: number;
}

export interface HistoryRange {
  days: number;
  from: string;
  to: string;
  total_saved: number;
  total_jobs: number;
  history: DayTotal[];
}

/** What is kept in the store under one meta key: small (a few KB for a year) and written behind. */
interface Persisted {
  version: 1;
  days: Record<string, { saved: number; jobs: number }>;
}

export const HISTORY_META_KEY = 'space_saved_history';
/** Days kept: a year and a bit, so the 90-day view and a year-over-year look both work. */
const KEEP_DAYS = 400;

const pad = (n: number) => String(n).padStart(2, '0');
/** The local calendar day of `at` (the container's time zone, like the schedule window). */
export const dayKey = (at: Date): string => `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;

/** `at` moved by whole local days, keeping the time of day (DST-safe, unlike adding 86,400,000 ms). */
const addDays = (at: Date, n: number): Date => new Date(at.getFullYear(), at.getMonth(), at.getDate() + n, 12);

/**
 * Bytes saved per day by finished jobs. Fed by the queue's `complete` events, persisted through the
 * store's meta keys, so it survives restarts and is independent of the jobs themselves: clearing or
 * removing jobs does not rewrite history.
 */
export class SpaceHistory {
  private readonly store: Pick<JobStore, 'getMeta' | 'setMeta'>;
  private readonly clock: () => Date;
  private readonly days = new Map<string, { saved: number; jobs: number }>();

  private constructor(store: Pick<JobStore, 'getMeta' | 'setMeta'>, clock: () => Date) {
    this.store = store;
    this.clock = clock;
  }

  static async load(d: { store: Pick<JobStore, 'getMeta' | 'setMeta'>; clock: () => Date }): Promise<SpaceHistory> {
    const history = new SpaceHistory(d.store, d.clock);
    const saved = await d.store.getMeta<Persisted>(HISTORY_META_KEY);
    if (saved && saved.version === 1 && saved.days && typeof saved.days === 'object') {
      for (const [date, value] of Object.entries(saved.days)) {
        if (/^\d{4}-\d{2}-\d{2}$/.test(date) && Number.isFinite(value?.saved) && Number.isFinite(value?.jobs)) {
          history.days.set(date, { saved: value.saved, jobs: value.jobs });
        }
      }
    }
    return history;
  }

  /** Adds one finished job. Only positive savings count, as for the lifetime counter. */
  record(at: Date, saved: number): void {
    const key = dayKey(at);
    const day = this.days.get(key) ?? { saved: 0, jobs: 0 };
    day.jobs += 1;
    if (saved > 0) day.saved += saved;
    this.days.set(key, day);
    this.prune();
    this.persist();
  }

  /** Subscribes to the queue; returns the unsubscribe function. */
  watch(view: Pick<QueueView, 'subscribe'>): () => void {
    return view.subscribe((event) => {
      if (event.type !== 'complete') return;
      const finished = event.job.completed_at ? new Date(event.job.completed_at) : this.clock();
      this.record(Number.isNaN(finished.getTime()) ? this.clock() : finished, event.job.space_saved ?? 0);
    });
  }

  /** The last `days` days up to today, oldest first, every day present (zeros included). */
  range(days: number): HistoryRange {
    const today = this.clock();
    const history: DayTotal[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const date = dayKey(addDays(today, -i));
      const day = this.days.get(date);
      history.push({ date, saved: day?.saved ?? 0, jobs: day?.jobs ?? 0 });
    }
    return {
      days,
      from: history[0]?.date ?? dayKey(today),
      to: dayKey(today),
      total_saved: history.reduce((n, d) => n + d.saved, 0),
      total_jobs: history.reduce((n, d) => n + d.jobs, 0),
      history,
    };
  }

  private prune(): void {
    const oldest = dayKey(addDays(this.clock(), -KEEP_DAYS));
    for (const date of this.days.keys()) if (date < oldest) this.days.delete(date);
  }

  private persist(): void {
    const days: Persisted['days'] = {};
    for (const [date, value] of [...this.days].sort(([a], [b]) => (a < b ? -1 : 1))) days[date] = { ...value };
    this.store.setMeta(HISTORY_META_KEY, { version: 1, days } satisfies Persisted);
  }
}

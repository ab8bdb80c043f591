import { html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { api, errorText } from '../lib/api.js';
import { basename } from '../lib/format.js';
import type { QueueModel } from '../lib/queue-model.js';
import { type Job, type JobStatus, STATUSES } from '../lib/types.js';
import { jobDetails } from './job-details.js';
import { jobRow } from './job-row.js';
import { queueStyles } from './queue-styles.js';
import { shared } from './styles.js';
import './savings-chart.js';

/** Row height in px: fixed, so that only the rows on screen need to exist (10,000 jobs stay smooth). */
export const ROW = 86;
const OVERSCAN = 6;
type Sort = 'queue' | 'name' | 'size';
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

@customElement('sr-queue')
export class QueueView extends LitElement {
  static override styles = [shared, queueStyles];

  @property({ attribute: false }) model!: QueueModel;
  /** Changes whenever the model does (set by the app shell). */
  @property({ attribute: false }) tick = 0;
  @state() private filter: 'all' | JobStatus = 'all';
  @state() private sort: Sort = 'queue';
  @state() private search = '';
  @state() private range = { start: 0, end: 30 };
  @state() private message = '';
  @state() private detailsOf: Job | undefined;
  @query('.list') private list!: HTMLElement;
  @query('dialog') private dialog!: HTMLDialogElement;
  private ids: string[] = [];
  private idsKey = '';
  private frame = 0;
  private marked = false;
  private readonly onScroll = () => {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.measure());
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('scroll', this.onScroll, { passive: true });
    window.addEventListener('resize', this.onScroll, { passive: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('scroll', this.onScroll);
    window.removeEventListener('resize', this.onScroll);
  }

  /** The filtered, sorted ids: recomputed only when the queue's shape or the choices change. */
  private visibleIds(): string[] {
    const m = this.model;
    const key = `${m.structure}|${this.filter}|${this.sort}|${this.search}`;
    if (key === this.idsKey) return this.ids;
    const needle = this.search.trim().toLowerCase();
    let ids = m.order.filter((id) => {
      const job = m.jobs.get(id);
      if (!job || (this.filter !== 'all' && job.status !== this.filter)) return false;
      return needle === '' || job.input_path.toLowerCase().includes(needle);
    });
    if (this.sort === 'name') {
      const names = new Map(ids.map((id) => [id, basename(m.jobs.get(id)?.input_path ?? '')]));
      ids = ids.sort((a, b) => collator.compare(names.get(a) ?? '', names.get(b) ?? ''));
    } else if (this.sort === 'size') ids = ids.sort((a, b) => (m.jobs.get(b)?.input_size ?? 0) - (m.jobs.get(a)?.input_size ?? 0));
    this.ids = ids;
    this.idsKey = key;
    return ids;
  }

  private measure(): void {
    this.frame = 0;
    if (!this.list) return;
    const top = -this.list.getBoundingClientRect().top;
    const count = this.ids.length;
    const start = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const end = Math.min(count, Math.max(start, Math.ceil((top + window.innerHeight) / ROW) + OVERSCAN));
    if (start !== this.range.start || end !== this.range.end) this.range = { start, end };
  }

  protected override updated(): void {
    // The list may have grown or shrunk under the viewport: check the window once more.
    this.onScroll();
    // Time to the first rows on screen, for the 10,000-job test and anyone curious (Performance panel).
    if (!this.marked && this.renderRoot.querySelector('.job')) {
      this.marked = true;
      performance.mark('shrinkray:first-rows');
    }
  }

  override render() {
    const m = this.model;
    const ids = this.visibleIds();
    const { start } = this.range;
    const end = Math.min(ids.length, this.range.end);
    const slice = ids.slice(start, end);
    const actions = { details: (j: Job) => this.openDetails(j), cancel: (j: Job) => this.act(`api/jobs/${j.id}`, 'DELETE', `Cancelled ${basename(j.input_path)}`), retry: (j: Job) => this.act(`api/jobs/${j.id}/retry`, 'POST', `Retrying ${basename(j.input_path)}`), remove: (j: Job) => this.act(`api/jobs/${j.id}/remove`, 'POST', `Removed ${basename(j.input_path)}`) };
    return html`
      <sr-savings-chart .lifetime=${m.saved.lifetime}></sr-savings-chart>
      <section class="card" aria-label="Queue controls">
        <div class="row">
          <button class=${m.queue.paused ? 'primary' : ''} @click=${this.togglePause} data-testid="pause">${m.queue.paused ? 'Resume queue' : 'Pause queue'}</button>
          <span data-testid="queue-state" class=${m.queue.paused ? 's-pending' : 's-running'}>${m.queue.paused ? 'Paused' : 'Running'}</span>
          <label>Workers <input type="number" min="1" max="6" .value=${String(m.queue.workers)} @change=${this.setWorkers} class="num" /></label>
        </div>
        <div class="row">
          <label>Show
            <select @change=${(e: Event) => (this.filter = (e.target as HTMLSelectElement).value as 'all')}>
              <option value="all">All (${m.jobs.size})</option>
              ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.filter === s}>${s} (${m.counts[s]})</option>`)}
            </select>
          </label>
          <label>Sort
            <select @change=${(e: Event) => (this.sort = (e.target as HTMLSelectElement).value as Sort)}>
              <option value="queue">Queue order</option><option value="name">Name</option><option value="size">Size (largest first)</option>
            </select>
          </label>
          <input type="search" aria-label="Find jobs by file name" placeholder="Find…" class="grow" @input=${(e: Event) => (this.search = (e.target as HTMLInputElement).value)} />
        </div>
        <div class="row">
          <label>Clear
            <select id="clear-status">
              <option value="complete">done</option><option value="failed">failed</option><option value="skipped">skipped</option>
              <option value="cancelled">cancelled</option><option value="pending">pending</option><option value="">all but running</option>
            </select>
          </label>
          <button @click=${this.clear}>Clear jobs</button>
        </div>
        ${m.discovery
          ? html`<div data-testid="discovery"><label class="grow">Finding videos: ${m.discovery.probed} of ${m.discovery.total} probed
              <progress max=${Math.max(1, m.discovery.total)} value=${m.discovery.probed}></progress></label></div>`
          : nothing}
        <p role="status" class="msg">${this.message}</p>
      </section>
      ${ids.length === 0 ? html`<p class="dim">${m.jobs.size === 0 ? 'The queue is empty. Pick files under Browse to add some.' : 'No job matches.'}</p>` : nothing}
      <div class="list" role="list" aria-label="Jobs" style="height:${ids.length * ROW}px">
        ${repeat(slice, (id) => id, (id, k) => {
          const job = m.jobs.get(id);
          return job ? jobRow(job, start + k, ids.length, (start + k) * ROW, actions) : nothing;
        })}
      </div>
      <dialog aria-label="Job details" @close=${() => (this.detailsOf = undefined)}>
        ${this.detailsOf ? jobDetails(m.jobs.get(this.detailsOf.id) ?? this.detailsOf) : nothing}
        <form method="dialog"><button class="primary">Close</button></form>
      </dialog>
    `;
  }

  private openDetails(job: Job): void {
    this.detailsOf = job;
    this.dialog.showModal();
  }

  private async act(path: string, method: string, done: string): Promise<void> {
    try {
      await api(path, { method });
      this.message = done;
    } catch (error) {
      this.message = errorText(error);
    }
  }

  private togglePause = async () => {
    const paused = this.model.queue.paused;
    await this.act(paused ? 'api/queue/resume' : 'api/queue/pause', 'POST', paused ? 'Queue resumed' : 'Queue paused');
    await this.model.refreshQueue();
  };

  private setWorkers = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    try {
      const r = await api<{ workers: number }>('api/queue/workers', { method: 'POST', body: { workers: Number(input.value) } });
      this.message = `${r.workers} worker${r.workers === 1 ? '' : 's'}`;
    } catch (error) {
      this.message = errorText(error);
    }
    await this.model.refreshQueue();
  };

  private clear = async () => {
    const select = this.renderRoot.querySelector<HTMLSelectElement>('#clear-status');
    const status = select?.value ?? 'complete';
    const label = select?.selectedOptions[0]?.textContent ?? status;
    if (!confirm(`Remove every ${label} job from the list? Files are not touched.`)) return;
    try {
      const r = await api<{ message: string }>(`api/jobs/clear${status ? `?status=${status}` : ''}`, { method: 'POST' });
      this.message = r.message;
    } catch (error) {
      this.message = errorText(error);
    }
  };
}

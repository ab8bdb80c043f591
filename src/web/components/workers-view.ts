import { css, html, LitElement, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { api, errorText } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import type { WorkerInfo, WorkersState } from '../lib/types.js';
import { shared } from './styles.js';

/** How often the list is fetched again while it is on screen (no SSE event carries workers). */
export const WORKERS_POLL_MS = 5000;

/** `just now`, `40 s ago`, `2 min ago`, `3 h ago`, `2 days ago`; `never` without a time. */
export function ago(iso: string | null, now = Date.now()): string {
  const at = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return 'never';
  const s = Math.floor((now - at) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

const hardware = (w: WorkerInfo): string => {
  const hw = w.encoders.filter((e) => e.hardware).map((e) => `${e.encoder} (${e.codec.toUpperCase()})`);
  if (hw.length > 0) return hw.join(', ');
  return w.encoders.length > 0 ? 'software only' : 'none announced';
};

/** Remote workers (GET /api/workers, issue 12): who is there, what it can do, and forgetting an offline one. */
@customElement('sr-workers')
export class WorkersView extends LitElement {
  static override styles = [
    shared,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        border-top: 1px solid var(--line);
        padding: 8px 0;
      }
      h3 {
        font-size: 16px;
        margin: 0;
        overflow-wrap: anywhere;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 2px 12px;
        margin: 6px 0 0;
        font-size: 14px;
      }
      dt {
        color: var(--dim);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .refused {
        font-weight: 600;
        margin: 6px 0 0;
        overflow-wrap: anywhere;
      }
      .forget-error {
        margin: 6px 0 0;
        overflow-wrap: anywhere;
      }
      p {
        overflow-wrap: anywhere;
      }
    `,
  ];

  @state() private data: WorkersState | undefined;
  @state() private loadError = '';
  @state() private message = '';
  /** A refused DELETE's answer, by worker name, shown next to that worker until it is tried again. */
  @state() private errors: Record<string, string> = {};
  @state() private forgetting = '';
  @query('h2') private heading!: HTMLElement;
  private timer: number | undefined;
  private controller: AbortController | undefined;
  /** Bumped by every fetch and every forget: an answer that arrives after a newer one is dropped. */
  private generation = 0;
  private readonly onVisibility = () => (document.hidden ? this.stop() : this.start());

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
    if (!document.hidden) this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.stop();
  }

  private start(): void {
    if (this.timer !== undefined) return;
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), WORKERS_POLL_MS);
  }

  private stop(): void {
    window.clearInterval(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    this.controller = undefined;
  }

  private async refresh(): Promise<void> {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    const generation = ++this.generation;
    try {
      const data = await api<WorkersState>('api/workers', { signal: controller.signal });
      if (generation !== this.generation) return;
      this.data = data;
      this.loadError = '';
      const names = new Set(data.workers.map((w) => w.name));
      if (Object.keys(this.errors).some((n) => !names.has(n))) this.errors = Object.fromEntries(Object.entries(this.errors).filter(([n]) => names.has(n)));
    } catch (error) {
      if (!controller.signal.aborted && generation === this.generation) this.loadError = errorText(error);
    } finally {
      if (this.controller === controller) this.controller = undefined;
    }
  }

  private async forget(w: WorkerInfo): Promise<void> {
    if (!confirm(`Forget the remote worker ${w.name}? It leaves this list and Home Assistant until it connects again.`)) return;
    this.errors = Object.fromEntries(Object.entries(this.errors).filter(([n]) => n !== w.name));
    this.message = '';
    this.forgetting = w.name;
    try {
      const r = await api<{ forgotten: string }>(`api/workers/${encodeURIComponent(w.name)}`, { method: 'DELETE' });
      this.generation += 1;
      if (this.data) this.data = { ...this.data, workers: this.data.workers.filter((x) => x.name !== r.forgotten) };
      this.message = `Forgot ${r.forgotten}.`;
      // The focused button is gone with its row: keep the keyboard user in this section.
      this.heading?.focus();
    } catch (error) {
      this.errors = { ...this.errors, [w.name]: errorText(error) };
    } finally {
      this.forgetting = '';
    }
  }

  private worker(w: WorkerInfo) {
    const used = Math.max(0, w.slots - w.free);
    const error = this.errors[w.name];
    const canForget = !w.online && w.running_jobs.length === 0;
    return html`<li data-worker=${w.name} data-online=${w.online ? 'true' : 'false'}>
      <div class="row">
        <h3 class="grow">${w.name}</h3>
        <span class="badge ${w.online ? 's-complete' : 's-cancelled'}">${w.online ? 'Online' : 'Offline'}</span>
        ${canForget
          ? html`<button class="danger" aria-label="Forget ${w.name}" ?disabled=${this.forgetting === w.name} @click=${() => this.forget(w)}>Forget</button>`
          : nothing}
      </div>
      ${w.refused ? html`<p class="refused error"><span aria-hidden="true">⚠ </span>Refused: ${w.refused}</p>` : nothing}
      ${error ? html`<p class="forget-error error" role="alert">${error}</p>` : nothing}
      <dl>
        <dt>Version</dt><dd>${w.version ?? 'unknown'}</dd>
        <dt>Hardware encoders</dt><dd class="hw">${hardware(w)}</dd>
        <dt>Slots in use</dt><dd class="slots">${w.online ? `${used} of ${w.slots}` : `${w.slots} (offline)`}</dd>
        <dt>Running jobs</dt><dd class="running">${w.running_jobs.length}</dd>
        <dt>Last seen</dt><dd class="seen" title=${dateTime(w.last_seen)}>${ago(w.last_seen)}</dd>
      </dl>
    </li>`;
  }

  override render() {
    const d = this.data;
    const local = d?.local;
    return html`<section class="card" aria-labelledby="workers-title">
      <h2 id="workers-title" tabindex="-1">Remote workers</h2>
      ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : nothing}
      ${!d
        ? html`<p>Loading…</p>`
        : html`<p data-testid="local-slots">
              This machine: ${local?.enabled
                ? `local encoding on, ${local.running_jobs.length} of ${local.slots} slot${local.slots === 1 ? '' : 's'} in use.`
                : 'local encoding off (local_encoding option): jobs go to remote workers only.'}
            </p>
            ${d.remote_workers && d.broker !== 'connected'
              ? html`<p data-testid="broker-waiting">${d.broker === 'none'
                  ? 'Remote workers are on, but no MQTT broker was found yet: set mqtt_url, or install and start the Mosquitto broker add-on.'
                  : 'Remote workers are on; connecting to the MQTT broker…'}</p>`
              : nothing}
            ${d.remote_workers
              ? d.workers.length === 0
                ? html`<p class="dim">No remote worker has connected yet: run <code>shrinkray worker</code> on another machine (see Remote workers in the documentation).</p>`
                : html`<ul aria-label="Remote workers">${d.workers.map((w) => this.worker(w))}</ul>`
              : html`<p data-testid="remote-off">Remote workers are off. Set the <code>remote_workers</code> option to true (it uses your MQTT broker) to let other machines encode.</p>`}`}
      <p role="status" class="dim">${this.message}</p>
    </section>`;
  }
}

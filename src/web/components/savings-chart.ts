import { css, html, LitElement, nothing, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { api, errorText } from '../lib/api.js';
import { bytes } from '../lib/format.js';
import type { HistoryRange } from '../lib/types.js';
import { shared } from './styles.js';

const H = 100;

/** Bytes saved per day over the last 30 or 90 days, as bars (GET /api/stats/history). */
@customElement('sr-savings-chart')
export class SavingsChart extends LitElement {
  static override styles = [
    shared,
    css`
      svg {
        display: block;
        width: 100%;
        height: 110px;
      }
      rect.bar {
        fill: var(--ok);
      }
      line {
        stroke: var(--line);
      }
      .axis {
        font-size: 12px;
        justify-content: space-between;
      }
      [aria-pressed='true'] {
        background: var(--accent);
        color: var(--accent-fg);
        border-color: var(--accent);
      }
      p {
        margin: 0 0 6px;
      }
    `,
  ];

  /** The lifetime counter: when it moves, a job finished and today's bar grows. */
  @property({ attribute: false }) lifetime = 0;
  @state() private days = 30;
  @state() private data: HistoryRange | undefined;
  @state() private error = '';
  private timer: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearTimeout(this.timer);
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('lifetime') && changed.get('lifetime') !== undefined) {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.load(), 500);
    }
  }

  private async load(): Promise<void> {
    try {
      this.data = await api<HistoryRange>(`api/stats/history?days=${this.days}`);
      this.error = '';
    } catch (error) {
      this.error = errorText(error);
    }
  }

  private pick(days: number): void {
    this.days = days;
    void this.load();
  }

  override render() {
    const d = this.data;
    const max = d ? Math.max(0, ...d.history.map((x) => x.saved)) : 0;
    const n = d?.history.length ?? this.days;
    const summary = d ? `${bytes(d.total_saved)} saved in the last ${d.days} days by ${d.total_jobs} finished job${d.total_jobs === 1 ? '' : 's'}` : 'Loading…';
    return html`<section class="card" aria-labelledby="chart-title">
      <div class="row">
        <h2 id="chart-title" class="grow">Space saved per day</h2>
        <div class="row" role="group" aria-label="Period">
          ${[30, 90].map((x) => html`<button aria-pressed=${this.days === x ? 'true' : 'false'} @click=${() => this.pick(x)}>${x} days</button>`)}
        </div>
      </div>
      <p data-testid="chart-summary">${this.error ? html`<span class="error">${this.error}</span>` : summary}</p>
      <svg viewBox="0 0 ${n * 10} ${H}" preserveAspectRatio="none" role="img" aria-label=${`Bar chart: ${summary}`}>
        <line x1="0" x2=${n * 10} y1=${H - 0.5} y2=${H - 0.5}></line>
        ${d?.history.map((day, i) => {
          // A day with any saving stays visible next to a record day.
          const h = day.saved > 0 ? Math.max(3, (day.saved / max) * (H - 4)) : 0;
          return svg`<rect class="bar" x=${i * 10 + 1} y=${H - h} width="8" height=${h} data-date=${day.date} data-saved=${day.saved}>
            <title>${day.date}: ${bytes(day.saved)} (${day.jobs} job${day.jobs === 1 ? '' : 's'})</title></rect>`;
        }) ?? nothing}
      </svg>
      <div class="row axis dim"><span>${d?.history[0]?.date ?? ''}</span><span>highest day ${bytes(max)}</span><span>${d?.history.at(-1)?.date ?? ''}</span></div>
    </section>`;
  }
}

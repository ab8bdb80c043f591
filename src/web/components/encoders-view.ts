import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api, errorText } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { shared } from './styles.js';
import './workers-view.js';

interface Encoder {
  accel: string;
  codec: string;
  name: string;
  description: string;
  encoder: string;
  available: boolean;
  detail?: string;
}

interface Encoders {
  encoders: Encoder[];
  best: Encoder;
  vmaf_available: boolean;
  detected_at?: string;
  duration_ms?: number;
  results?: Encoder[];
}

/**
 * What encoder detection found (GET /api/encoders) and, after "Detect again", why each one is (not)
 * usable; below it the remote workers (sr-workers).
 */
@customElement('sr-encoders')
export class EncodersView extends LitElement {
  static override styles = [
    shared,
    css`
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 14px;
      }
      th,
      td {
        text-align: left;
        padding: 6px 8px;
        border-bottom: 1px solid var(--line);
        vertical-align: top;
      }
      td.reason {
        overflow-wrap: anywhere;
      }
      .scroll {
        overflow-x: auto;
      }
    `,
  ];

  @state() private data: Encoders | undefined;
  @state() private busy = false;
  @state() private error = '';

  override connectedCallback(): void {
    super.connectedCallback();
    api<Encoders>('api/encoders').then(
      (d) => (this.data = d),
      (e: unknown) => (this.error = errorText(e)),
    );
  }

  private async detect(): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      this.data = await api<Encoders>('api/encoders/detect', { method: 'POST' });
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const d = this.data;
    const rows = d?.results ?? d?.encoders ?? [];
    return html`<section class="card" aria-labelledby="enc-title">
      <div class="row">
        <h2 id="enc-title" class="grow">Encoders</h2>
        <button class="primary" @click=${() => this.detect()} ?disabled=${this.busy}>${this.busy ? 'Detecting…' : 'Detect again'}</button>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${d
        ? html`<p>Jobs use <strong>${d.best.name}</strong> (${d.best.description}) for HEVC. SmartShrink quality analysis (VMAF):
            ${d.vmaf_available ? 'available' : 'not available'}.</p>
            ${d.detected_at ? html`<p class="dim" role="status">Detected ${dateTime(d.detected_at)} in ${((d.duration_ms ?? 0) / 1000).toFixed(1)} s: every encoder was tried with a one-frame test encode.</p>` : html`<p class="dim">Working encoders below; "Detect again" tests every encoder and says why one is not usable.</p>`}
            <div class="scroll"><table>
              <thead><tr><th scope="col">Encoder</th><th scope="col">Codec</th><th scope="col">Kind</th><th scope="col">Usable</th>${d.results ? html`<th scope="col">Why</th>` : nothing}</tr></thead>
              <tbody>
                ${rows.map((e) => html`<tr data-encoder=${e.encoder}>
                  <td>${e.name}<br /><span class="dim">${e.encoder}</span></td><td>${e.codec.toUpperCase()}</td>
                  <td>${e.accel === 'none' ? '[SW]' : '[HW]'}</td>
                  <td class=${e.available ? 's-complete' : 's-failed'}>${e.available ? 'yes' : 'no'}</td>
                  ${d.results ? html`<td class="reason">${e.detail ?? ''}</td>` : nothing}
                </tr>`)}
              </tbody>
            </table></div>`
        : html`<p>Loading…</p>`}
    </section>
    <sr-workers></sr-workers>`;
  }
}

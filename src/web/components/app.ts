import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { saveToken } from '../lib/api.js';
import { bytes, viewHref } from '../lib/format.js';
import { QueueModel } from '../lib/queue-model.js';
import { shared } from './styles.js';
import './queue-view.js';
import './browse-view.js';
import './settings-view.js';
import './encoders-view.js';

type View = 'queue' | 'browse' | 'settings' | 'encoders';
const VIEWS: ReadonlyArray<[View, string]> = [
  ['queue', 'Queue'],
  ['browse', 'Browse'],
  ['settings', 'Settings'],
  ['encoders', 'Encoders'],
];

/** The route lives in the hash (`#browse?path=/media/TV`): it survives a reload and needs no server routes. */
function parseHash(): { view: View; params: URLSearchParams } {
  const [name = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const view = VIEWS.some(([v]) => v === name) ? (name as View) : 'queue';
  return { view, params: new URLSearchParams(query) };
}

@customElement('sr-app')
export class ShrinkrayApp extends LitElement {
  static override styles = [
    shared,
    css`
      header {
        background: var(--card);
        border-bottom: 1px solid var(--line);
        padding: 8px 12px 0;
      }
      h1 {
        font-size: 20px;
        margin: 0;
      }
      .totals {
        font-size: 13px;
        gap: 4px 12px;
        margin: 4px 0;
      }
      nav {
        display: flex;
        overflow-x: auto;
      }
      nav a {
        padding: 8px 10px;
        color: var(--fg);
        text-decoration: none;
        border-bottom: 3px solid transparent;
        white-space: nowrap;
      }
      nav a[aria-current='page'] {
        border-bottom-color: var(--accent);
        font-weight: 600;
      }
      main {
        padding: 12px;
        max-width: 1100px;
        margin: 0 auto;
      }
      .conn {
        font-size: 13px;
      }
      .conn.live::before {
        content: '● ';
        color: var(--ok);
      }
    `,
  ];

  readonly model = new QueueModel();
  @state() private route = parseHash();
  @state() private needToken = false;
  private readonly onHash = () => {
    this.route = parseHash();
  };
  /** Bumped on every model change (at most once a frame), so the queue view renders again. */
  @state() private tick = 0;
  private readonly onModel = () => {
    this.tick += 1;
  };
  private readonly onAuth = () => {
    this.needToken = true;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener('sr-auth-needed', this.onAuth);
    this.model.addEventListener('change', this.onModel);
    this.model.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    window.removeEventListener('sr-auth-needed', this.onAuth);
    this.model.removeEventListener('change', this.onModel);
    this.model.stop();
  }

  override render() {
    const m = this.model;
    const c = m.counts;
    const conn = m.connection === 'live' ? 'Live' : m.connection === 'polling' ? 'Reconnecting (updating every few seconds)' : 'Connecting…';
    return html`
      <header>
        <div class="row">
          <h1 class="grow">Shrinkray</h1>
          <span class="conn ${m.connection}" role="status" data-connection=${m.connection}>${conn}</span>
        </div>
        <div class="row totals" aria-label="Queue totals" data-testid="totals">
          <span class="s-pending">${c.pending} pending</span><span class="s-running">${c.running} running</span>
          <span class="s-complete">${c.complete} complete</span><span class="s-failed">${c.failed} failed</span>
          <span class="dim">${c.skipped} skipped · ${c.cancelled} cancelled</span>
          <span data-testid="saved">Saved ${bytes(m.saved.session)} this session · ${bytes(m.saved.lifetime)} in total</span>
        </div>
        <nav aria-label="Views">
          ${VIEWS.map(([v, label]) => html`<a href=${viewHref(`#${v}`)} aria-current=${this.route.view === v ? 'page' : 'false'}>${label}</a>`)}
        </nav>
      </header>
      <main>${this.needToken ? this.tokenForm() : nothing}${this.view()}</main>
    `;
  }

  private view() {
    switch (this.route.view) {
      case 'browse':
        return html`<sr-browse .path=${this.route.params.get('path') ?? ''}></sr-browse>`;
      case 'settings':
        return html`<sr-settings></sr-settings>`;
      case 'encoders':
        return html`<sr-encoders></sr-encoders>`;
      default:
        return html`<sr-queue .model=${this.model} .tick=${this.tick}></sr-queue>`;
    }
  }

  private tokenForm() {
    const submit = (e: Event) => {
      e.preventDefault();
      const input = (e.target as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
      saveToken(input.value.trim());
      location.reload();
    };
    return html`<form class="card row" @submit=${submit}>
      <label for="token">This service needs its API token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" class="grow" />
      <button class="primary">Use token</button>
    </form>`;
  }
}

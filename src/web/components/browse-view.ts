import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { api, errorText } from '../lib/api.js';
import { EventStream } from '../lib/stream.js';
import type { BrowseEntry, BrowseResult, CountsState, Preset, VideoInfo } from '../lib/types.js';
import { countsText, hashFor, icon, VIDEO, videoText } from './browse-parts.js';
import { shared } from './styles.js';

const TIERS = ['acceptable', 'good', 'excellent'] as const;

type Update = { type?: string; path: string; file_count?: number; total_size?: number; counts_state?: CountsState; counts_error?: string; video_info?: VideoInfo | null; size?: number };

/** Media folders with live counts, file details, multi-select and "add to queue". */
@customElement('sr-browse')
export class BrowseView extends LitElement {
  static override styles = [
    shared,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        display: flex;
        gap: 10px;
        align-items: center;
        padding: 8px 10px;
        border-bottom: 1px solid var(--line);
        min-width: 0;
      }
      .icon {
        width: 20px;
        height: 20px;
        flex: none;
        fill: none;
        stroke: var(--dim);
        stroke-width: 1.6;
      }
      a {
        color: var(--accent);
      }
      .name {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .info {
        font-size: 13px;
      }
      .hdr {
        color: var(--warn);
      }
      .bar {
        position: sticky;
        bottom: 0;
        z-index: 1;
        box-shadow: 0 -2px 8px rgb(0 0 0 / 0.15);
      }
      .where {
        overflow-wrap: anywhere;
      }
    `,
  ];

  @property() path = '';
  @state() private result: BrowseResult | undefined;
  @state() private error = '';
  @state() private loading = false;
  @state() private selected = new Set<string>();
  @state() private presets: Preset[] = [];
  @state() private presetId = 'compress-hevc';
  @state() private tier: (typeof TIERS)[number] = 'good';
  @state() private message = '';
  private stream: EventStream | undefined;
  private reload: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    api<Preset[]>('api/presets').then(
      (p) => {
        this.presets = p;
        if (!p.some((x) => x.id === this.presetId) && p[0]) this.presetId = p[0].id;
      },
      (e: unknown) => (this.message = `Presets: ${errorText(e)}`),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stream?.stop();
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('path')) void this.load();
  }

  private async load(): Promise<void> {
    this.loading = true;
    try {
      const result = await api<BrowseResult>(`api/browse${this.path ? `?path=${encodeURIComponent(this.path)}` : ''}`);
      if (result.path !== this.result?.path) this.selected = new Set();
      this.result = result;
      this.error = '';
      this.watch(result.path);
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.loading = false;
    }
  }

  /** Live counts for this folder and its child folders; a reconnect gets the current counts first. */
  private watch(path: string): void {
    this.stream?.stop();
    this.stream = new EventStream({
      path: `api/browse/stream${path ? `?path=${encodeURIComponent(path)}` : ''}`,
      stallMs: 40_000,
      onMessage: (data) => this.update1(data as Update),
    });
    this.stream.start();
  }

  private update1(u: Update): void {
    const r = this.result;
    if (!r) return;
    if (u.type === 'totals' && u.path === r.path) {
      this.result = { ...r, video_count: u.file_count ?? r.video_count, total_size: u.total_size ?? r.total_size, counts_state: u.counts_state ?? r.counts_state };
      return;
    }
    const entry = r.entries.find((e) => e.path === u.path);
    if (u.type === 'file_update') {
      // A finished job replaced or renamed a file: a new name means a new listing.
      if (!entry || !u.size) {
        window.clearTimeout(this.reload);
        this.reload = window.setTimeout(() => void this.load(), 300);
        return;
      }
      if (u.video_info) entry.video_info = u.video_info;
      entry.size = u.size;
    } else if (entry) {
      Object.assign(entry, { file_count: u.file_count ?? 0, total_size: u.total_size ?? 0, counts_state: u.counts_state, counts_error: u.counts_error });
    }
    this.requestUpdate();
  }

  private selectable = (e: BrowseEntry) => e.is_dir || e.video_info !== undefined || VIDEO.test(e.name);

  private toggle(path: string, on: boolean): void {
    const next = new Set(this.selected);
    if (on) next.add(path);
    else next.delete(path);
    this.selected = next;
  }

  private toggleAll(on: boolean): void {
    this.selected = new Set(on ? (this.result?.entries.filter(this.selectable).map((e) => e.path) ?? []) : []);
  }

  private async add(): Promise<void> {
    const preset = this.presets.find((p) => p.id === this.presetId);
    const body: Record<string, unknown> = { paths: [...this.selected], preset_id: this.presetId };
    if (preset?.is_smart_shrink) body.smartshrink_quality = this.tier;
    try {
      const r = await api<{ message: string }>('api/jobs', { method: 'POST', body });
      this.message = `${r.message} New jobs appear in the queue.`;
      this.selected = new Set();
    } catch (error) {
      this.message = errorText(error);
    }
  }

  override render() {
    const r = this.result;
    const all = r?.entries.filter(this.selectable) ?? [];
    const preset = this.presets.find((p) => p.id === this.presetId);
    return html`
      <section class="card" aria-labelledby="where">
        <div class="row">
          ${r?.parent !== undefined ? html`<a href=${hashFor(r.parent)} aria-label="Up one folder">⬑ Up</a>` : nothing}
          <h2 id="where" class="grow where">${r ? r.path || 'Media folders' : 'Media folders'}</h2>
          <button @click=${() => this.reconcile()} ?disabled=${!r}>Count again</button>
        </div>
        ${r ? html`<p class="dim" data-testid="folder-totals">${countsText({ file_count: r.video_count, total_size: r.total_size, counts_state: r.counts_state })}</p>` : nothing}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${this.loading && !r ? html`<p>Loading…</p>` : nothing}
        ${all.length > 0
          ? html`<label><input type="checkbox" .checked=${all.length > 0 && all.every((e) => this.selected.has(e.path))} @change=${(e: Event) => this.toggleAll((e.target as HTMLInputElement).checked)} /> Select all</label>`
          : nothing}
      </section>
      <ul class="card" aria-label="Folder contents" style="padding:0">
        ${r?.entries.map((e) => this.entry(e)) ?? nothing}
        ${r && r.entries.length === 0 ? html`<li class="dim">This folder is empty.</li>` : nothing}
      </ul>
      <div class="card bar row" role="region" aria-label="Add to queue">
        <span data-testid="selected-count">${this.selected.size} selected</span>
        <label>Preset
          <select @change=${(e: Event) => (this.presetId = (e.target as HTMLSelectElement).value)}>
            ${this.presets.map((p) => html`<option value=${p.id} ?selected=${p.id === this.presetId} title=${p.description}>${p.name}</option>`)}
          </select>
        </label>
        ${preset?.is_smart_shrink
          ? html`<label>Quality
              <select @change=${(e: Event) => (this.tier = (e.target as HTMLSelectElement).value as 'good')}>
                ${TIERS.map((t) => html`<option value=${t} ?selected=${t === this.tier}>${t}</option>`)}
              </select></label>`
          : nothing}
        <button class="primary" ?disabled=${this.selected.size === 0 || !preset} @click=${() => this.add()}>Add to queue</button>
        <p role="status" class="grow" style="margin:0">${this.message}</p>
      </div>
    `;
  }

  private entry(e: BrowseEntry) {
    const id = `sel-${e.path}`;
    const can = this.selectable(e);
    return html`<li data-path=${e.path}>
      ${can
        ? html`<input type="checkbox" id=${id} .checked=${this.selected.has(e.path)} @change=${(ev: Event) => this.toggle(e.path, (ev.target as HTMLInputElement).checked)} aria-label="Select ${e.name}" />`
        : html`<span style="width:20px"></span>`}
      ${icon(e.is_dir ? 'folder' : can ? 'video' : 'file')}
      <div class="grow" style="min-width:0">
        ${e.is_dir ? html`<a class="name" href=${hashFor(e.path)}>${e.name}</a>` : html`<span class="name">${e.name}</span>`}
        <div class="info dim">
          ${e.is_dir ? countsText(e) : videoText(e.video_info, e.size)}
          ${e.video_info?.is_hevc ? html` · <span>already HEVC</span>` : nothing}${e.video_info?.is_av1 ? html` · <span>already AV1</span>` : nothing}
        </div>
      </div>
    </li>`;
  }

  private async reconcile(): Promise<void> {
    const path = this.result?.path ?? '';
    try {
      await api(`api/browse/reconcile?recursive=true${path ? `&path=${encodeURIComponent(path)}` : ''}`, { method: 'POST' });
      this.message = 'Counting again…';
    } catch (error) {
      this.message = errorText(error);
    }
  }
}

import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ApiError, api, errorText } from '../lib/api.js';
import { type Field, fieldsOf, GROUPS } from './settings-fields.js';
import { shared } from './styles.js';

type Config = Record<string, unknown>;

const accel = (a: unknown): string => (a === 'none' ? 'software' : String(a));

/** Every setting of GET/PUT /api/config, grouped; a PUT's errors appear next to their fields. */
@customElement('sr-settings')
export class SettingsView extends LitElement {
  static override styles = [
    shared,
    css`
      fieldset {
        border: 1px solid var(--line);
        border-radius: 10px;
        background: var(--card);
        margin: 0 0 12px;
        padding: 8px 12px 12px;
        min-width: 0;
      }
      legend {
        font-weight: 700;
        padding: 0 4px;
      }
      .field {
        display: grid;
        gap: 2px;
        margin: 10px 0 0;
      }
      .field > label {
        font-weight: 600;
      }
      .field.bool > label {
        font-weight: normal;
      }
      .field input:not([type='checkbox']),
      .field select {
        max-width: 100%;
        width: 22em;
      }
      .help,
      .locked {
        font-size: 13px;
      }
      .field .error {
        font-size: 14px;
        font-weight: 600;
      }
      [aria-invalid='true'] {
        border-color: var(--bad);
      }
      .sticky {
        position: sticky;
        bottom: 0;
        z-index: 1;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 4px 12px;
        margin: 0;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @state() private config: Config | undefined;
  @state() private draft: Config = {};
  @state() private errors: Record<string, string[]> = {};
  @state() private general: string[] = [];
  @state() private message = '';
  @state() private saving = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.config = await api<Config>('api/config');
      this.draft = { ...this.config };
    } catch (error) {
      this.general = [errorText(error)];
    }
  }

  private locked(key: string): boolean {
    return Array.isArray(this.config?.overridden) && (this.config.overridden as unknown[]).includes(key);
  }

  private changes(): Config {
    const out: Config = {};
    for (const g of GROUPS) for (const f of g.fields) if (!this.locked(f.key) && this.draft[f.key] !== this.config?.[f.key]) out[f.key] = this.draft[f.key];
    return out;
  }

  private async save(e: Event): Promise<void> {
    e.preventDefault();
    const body = this.changes();
    this.errors = {};
    this.general = [];
    if (Object.keys(body).length === 0) {
      this.message = 'Nothing changed.';
      return;
    }
    this.saving = true;
    try {
      await api('api/config', { method: 'PUT', body });
      this.message = 'Saved.';
      await this.load();
    } catch (error) {
      this.message = '';
      const problems = error instanceof ApiError && error.errors.length > 0 ? error.errors : [errorText(error)];
      const byField: Record<string, string[]> = {};
      for (const p of problems) {
        const keys = fieldsOf(p);
        if (keys.length === 0) this.general = [...this.general, p];
        for (const k of keys) byField[k] = [...(byField[k] ?? []), p];
      }
      this.errors = byField;
      this.message = 'Not saved: fix the marked settings.';
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    } finally {
      this.saving = false;
    }
  }

  private set(key: string, value: unknown): void {
    this.draft = { ...this.draft, [key]: value };
  }

  private input(f: Field) {
    const id = `f-${f.key}`;
    const value = this.draft[f.key];
    const errors = this.errors[f.key] ?? [];
    const locked = this.locked(f.key);
    const described = [f.help ? `h-${f.key}` : '', errors.length ? `e-${f.key}` : '', locked ? `l-${f.key}` : ''].filter(Boolean).join(' ') || nothing;
    const invalid = errors.length > 0 ? 'true' : 'false';
    let control: unknown;
    if (f.kind === 'bool') {
      control = html`<input id=${id} type="checkbox" .checked=${value === true} ?disabled=${locked} aria-describedby=${described} aria-invalid=${invalid}
        @change=${(e: Event) => this.set(f.key, (e.target as HTMLInputElement).checked)} />`;
    } else if (f.kind === 'select') {
      control = html`<select id=${id} ?disabled=${locked} aria-describedby=${described} aria-invalid=${invalid} @change=${(e: Event) => this.set(f.key, (e.target as HTMLSelectElement).value)}>
        ${f.options?.map(([v, label]) => html`<option value=${v} ?selected=${v === value}>${label}</option>`)}
      </select>`;
    } else {
      const type = f.kind === 'int' ? 'number' : f.kind === 'secret' ? 'password' : 'text';
      const parse = (raw: string): unknown => (f.kind === 'int' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw);
      control = html`<input id=${id} type=${type} inputmode=${f.kind === 'int' ? 'numeric' : nothing} min=${f.min ?? nothing} max=${f.max ?? nothing}
        autocomplete=${f.kind === 'secret' ? 'off' : nothing} .value=${value === undefined ? '' : String(value)} ?disabled=${locked}
        aria-describedby=${described} aria-invalid=${invalid} @input=${(e: Event) => this.set(f.key, parse((e.target as HTMLInputElement).value))} />`;
    }
    return html`<div class="field ${f.kind}" data-field=${f.key}>
      ${f.kind === 'bool' ? html`<label for=${id}>${control} ${f.label}</label>` : html`<label for=${id}>${f.label}</label>${control}`}
      ${f.help ? html`<span id="h-${f.key}" class="help dim">${this.help(f)}</span>` : nothing}
      ${locked ? html`<span id="l-${f.key}" class="locked dim">Set by an add-on option, command-line flag or environment variable: read-only here.</span>` : nothing}
      ${errors.map((m, i) => html`<span id=${i === 0 ? `e-${f.key}` : nothing} class="error" role="alert">${m}</span>`)}
    </div>`;
  }

  /** The quality fields name the default they fall back to (it depends on the detected encoder). */
  private help(f: Field): string {
    const codec = f.key === 'quality_hevc' ? 'hevc' : f.key === 'quality_av1' ? 'av1' : undefined;
    const fallback = codec ? this.config?.[`default_quality_${codec}`] : undefined;
    return fallback === undefined ? (f.help ?? '') : `${f.help ?? ''} (the default here is ${String(fallback)})`;
  }

  override render() {
    const c = this.config;
    if (!c) return html`${this.general.map((g) => html`<p class="error">${g}</p>`)}<p>Loading settings…</p>`;
    return html`<form novalidate @submit=${(e: Event) => this.save(e)}>
      ${GROUPS.map((g) => html`<fieldset><legend>${g.title}</legend>${g.fields.map((f) => this.input(f))}</fieldset>`)}
      <fieldset>
        <legend>Fixed here</legend>
        <p class="dim help">Set by add-on options, command-line flags or environment variables; not changeable from the panel.</p>
        <dl>
          <dt>Media folders</dt><dd>${Array.isArray(c.media_paths) ? c.media_paths.join(', ') : ''}</dd>
          <dt>Best encoders</dt><dd>HEVC: ${accel(c.hevc_encoder)}, AV1: ${accel(c.av1_encoder)}</dd>
          <dt>Default quality</dt><dd>HEVC ${String(c.default_quality_hevc)}, AV1 ${String(c.default_quality_av1)}</dd>
          <dt>Temp folder set</dt><dd>${c.has_temp_path ? 'yes' : 'no (the system temp folder)'}</dd>
          <dt>Version</dt><dd>${String(c.version)}</dd>
        </dl>
      </fieldset>
      <div class="card sticky row">
        <button class="primary" ?disabled=${this.saving}>Save settings</button>
        <button type="button" @click=${() => this.testPushover()} ?disabled=${c.pushover_configured !== true}>Send a test notification</button>
        <span role="status" class="grow">${this.message}</span>
      </div>
      ${this.general.length ? html`<div class="card error" role="alert">${this.general.map((g) => html`<p>${g}</p>`)}</div>` : nothing}
    </form>`;
  }

  private async testPushover(): Promise<void> {
    try {
      const r = await api<{ status: string }>('api/pushover/test', { method: 'POST' });
      this.message = r.status;
    } catch (error) {
      this.message = errorText(error);
    }
  }
}

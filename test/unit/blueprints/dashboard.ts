/**
 * The dashboard in DOCS.md, rendered without Home Assistant: the YAML between the `dashboard` markers,
 * the states Home Assistant would show (the discovery configs of src/mqtt applied to real state
 * payloads, through the HA rules helper), and an HTML page drawn in the style of HA's stock cards
 * (tile, gauge, entities, history graph, buttons, logbook). Headless Chromium screenshots it for
 * docs/images/dashboard.png. It is a likeness for the docs, not Home Assistant's frontend.
 */
import { parse } from 'yaml';
import type { Job, Stats } from '../../../src/jobs/types.js';
import { buildDiscovery } from '../../../src/mqtt/discovery.js';
import { projectCurrentJob, projectEncoder, projectQueueState } from '../../../src/mqtt/state.js';
import { makeTopics } from '../../../src/mqtt/topics.js';
import { entityState } from '../../helpers/ha-rules.js';

export type Card = Record<string, unknown> & { type: string };
export interface Dashboard {
  title?: string;
  cards: Card[];
}
export interface EntityView {
  id: string;
  component: string;
  name: string;
  state: string | null;
  unit?: string;
  icon?: string;
}

export function extractDashboard(docs: string): Dashboard {
  const block = /<!-- dashboard:start -->\s*```yaml\n([\s\S]*?)```\s*<!-- dashboard:end -->/.exec(docs)?.[1];
  if (block === undefined) throw new Error('DOCS.md has no ```yaml block between <!-- dashboard:start --> and <!-- dashboard:end -->');
  return parse(block) as Dashboard;
}

/** Every entity id a card refers to (entity, entities[], target entity ids). */
export function dashboardEntities(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const v of node) dashboardEntities(v, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'entity' || key === 'entity_id') && typeof value === 'string') out.add(value);
      else if (key === 'entities' && Array.isArray(value)) for (const e of value) typeof e === 'string' ? out.add(e) : dashboardEntities(e, out);
      else dashboardEntities(value, out);
    }
  }
  return out;
}

/** A busy evening: one job running on the GPU, a few queued, 184 GB saved so far. */
export function sampleEntities(): Map<string, EntityView> {
  const topics = makeTopics('shrinkray', 'homeassistant', 'docs');
  const stats: Stats = { pending: 7, running: 1, complete: 42, failed: 1, cancelled: 0, skipped: 5, total: 56, total_saved: 21.4e9, session_saved: 21.4e9, lifetime_saved: 184.2e9 } as Stats;
  const job = {
    id: '1705432100000-1', input_path: '/media/Movies/Big Buck Bunny (2008).mkv', preset_id: 'compress-hevc', encoder: 'vaapi', is_hardware: true,
    status: 'running', progress: 63.4, speed: 3.1, eta: '4m 10s', input_size: 9.1e9, encoder_name: 'hevc_vaapi', created_at: '2026-01-16T10:00:00Z',
    started_at: '2026-01-16T10:05:00Z', completed_at: null,
  } as Job;
  const payloads = new Map<string, unknown>([
    [topics.state, projectQueueState(stats, false, 1)],
    [topics.current, projectCurrentJob([job])],
    [topics.encoder, projectEncoder({ best: 'hevc_vaapi', hevc: 'hevc_vaapi', av1: 'av1_vaapi', is_hardware: true })],
  ]);
  const out = new Map<string, EntityView>();
  for (const d of buildDiscovery({ topics, swVersion: 'docs' })) {
    const p = d.payload;
    const id = String(p.default_entity_id);
    const payload = payloads.get(String(p.state_topic));
    const state = d.component === 'button' ? 'unknown' : d.component === 'event' ? '2026-01-16T10:01:12+00:00' : payload === undefined ? null : entityState(d.component, p, JSON.stringify(payload));
    const view: EntityView = { id, component: d.component, name: String(p.name), state };
    if (typeof p.unit_of_measurement === 'string') view.unit = p.unit_of_measurement;
    if (typeof p.icon === 'string') view.icon = p.icon;
    out.set(id, view);
  }
  return out;
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const ICONS: Record<string, string> = { sensor: '◔', binary_sensor: '▶', switch: 'II', number: '#', button: '⟳', event: '✓' };

function display(e: EntityView): string {
  if (e.state === null) return 'Unknown';
  if (e.component === 'switch' || e.component === 'binary_sensor') return e.component === 'binary_sensor' ? (e.state === 'on' ? 'Running' : 'Not running') : e.state === 'on' ? 'On' : 'Off';
  if (e.unit === 's') return `${Math.floor(Number(e.state) / 60)} min ${Number(e.state) % 60} s`;
  if (e.unit === 'GB') return `${Number(e.state).toFixed(2)} GB`;
  if (e.unit === '%') return `${Number(e.state).toFixed(1)} %`;
  return e.unit ? `${e.state} ${e.unit}` : e.state;
}

function row(entities: Map<string, EntityView>, ref: unknown): string {
  const id = typeof ref === 'string' ? ref : String((ref as Record<string, unknown>).entity);
  const e = entities.get(id);
  if (!e) throw new Error(`no entity ${id}`);
  const name = typeof ref === 'object' && ref && 'name' in ref ? String((ref as Record<string, unknown>).name) : e.name;
  return `<div class="row"><span class="icon">${ICONS[e.component] ?? '•'}</span><span class="name">${esc(name)}</span><span class="state">${esc(display(e))}</span></div>`;
}

function card(c: Card, entities: Map<string, EntityView>): string {
  const get = (id: unknown) => {
    const e = entities.get(String(id));
    if (!e) throw new Error(`no entity ${String(id)}`);
    return e;
  };
  const title = c.title ? `<h2>${esc(c.title)}</h2>` : '';
  switch (c.type) {
    case 'tile': {
      const e = get(c.entity);
      const active = e.state === 'on' ? ' active' : '';
      return `<div class="card tile${active}" data-card="tile"><span class="badge">${ICONS[e.component]}</span><div><div class="name">${esc(c.name ?? e.name)}</div><div class="state">${esc(display(e))}</div></div></div>`;
    }
    case 'gauge': {
      const e = get(c.entity);
      const min = Number(c.min ?? 0);
      const max = Number(c.max ?? 100);
      const f = Math.max(0, Math.min(1, (Number(e.state) - min) / (max - min)));
      const a = Math.PI * (1 - f);
      const x = 100 + 80 * Math.cos(a);
      const y = 100 - 80 * Math.sin(a);
      return `<div class="card gauge" data-card="gauge"><svg viewBox="0 0 200 115"><path d="M20 100 A80 80 0 0 1 180 100" class="track"/><path d="M20 100 A80 80 0 0 1 ${x.toFixed(1)} ${y.toFixed(1)}" class="value"/><text x="100" y="95">${esc(Number(e.state).toFixed(1))} %</text></svg><div class="name">${esc(c.name ?? e.name)}</div></div>`;
    }
    case 'entities':
      return `<div class="card" data-card="entities">${title}${(c.entities as unknown[]).map((r) => row(entities, r)).join('')}</div>`;
    case 'history-graph': {
      const ref = (c.entities as unknown[])[0];
      const e = get(typeof ref === 'string' ? ref : (ref as Record<string, unknown>).entity);
      const end = Number(e.state);
      const points = Array.from({ length: 15 }, (_, i) => [10 + i * 27, 110 - (((end - 60) * (i / 14) ** 0.8 + 60) / (end + 20)) * 95]);
      const path = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x?.toFixed(1)} ${y?.toFixed(1)}`).join(' ');
      return `<div class="card" data-card="history-graph">${title}<div class="legend">${esc(e.name)} <b>${esc(display(e))}</b></div><svg viewBox="0 0 400 120" class="graph"><path d="${path}"/></svg><div class="axis"><span>7 days ago</span><span>now</span></div></div>`;
    }
    case 'button': {
      const e = get(c.entity);
      return `<div class="card button" data-card="button"><span class="big">${ICONS[e.component]}</span><div class="name">${esc(c.name ?? e.name)}</div></div>`;
    }
    case 'horizontal-stack':
      return `<div class="hstack">${(c.cards as Card[]).map((inner) => card(inner, entities)).join('')}</div>`;
    case 'logbook':
      return `<div class="card" data-card="logbook">${title}<div class="row"><span class="icon">✓</span><span class="name">Job: job_complete – Big Buck Bunny (2008).mkv, 3.4 GB saved</span><span class="state">10:01</span></div><div class="row"><span class="icon">!</span><span class="name">Job: job_failed – Holiday 2019.avi: input file is corrupt</span><span class="state">09:12</span></div></div>`;
    default:
      throw new Error(`the likeness has no ${c.type} card`);
  }
}

export function renderDashboard(dashboard: Dashboard, entities: Map<string, EntityView>): string {
  const cards = dashboard.cards.map((c) => card(c, entities));
  const columns = [cards.filter((_, i) => i % 2 === 0), cards.filter((_, i) => i % 2 === 1)];
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  body{margin:0;background:#f3f4f6;font:14px/1.4 system-ui,"DejaVu Sans",sans-serif;color:#1c1c1c}
  header{background:#03a9f4;color:#fff;padding:14px 20px;font-size:20px}
  .note{font-size:11px;color:#6b6b6b;padding:6px 20px}
  main{display:flex;gap:12px;padding:4px 12px 16px}.col{flex:1;display:flex;flex-direction:column;gap:12px}
  .card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:12px 16px}
  h2{font-size:18px;font-weight:500;margin:2px 0 8px}
  .row{display:flex;align-items:center;gap:12px;padding:6px 0}.row .name{flex:1}.row .state{color:#444}
  .icon,.badge{width:36px;height:36px;border-radius:50%;display:inline-flex;align-items:center;justify-content:center;background:#e8eaed;color:#44739e;font-size:16px}
  .tile{display:flex;gap:12px;align-items:center}.tile .name{font-weight:500}.tile .state{color:#555;font-size:13px}.tile.active .badge{background:#ffe0b2;color:#ff9800}
  .gauge{text-align:center}.gauge svg{width:220px}.gauge .track{fill:none;stroke:#e0e0e0;stroke-width:16}.gauge .value{fill:none;stroke:#43a047;stroke-width:16}.gauge text{font-size:22px;text-anchor:middle}
  .graph{width:100%;height:120px}.graph path{fill:none;stroke:#03a9f4;stroke-width:2.5}.legend{font-size:12px;color:#555}.axis{display:flex;justify-content:space-between;font-size:11px;color:#888}
  .hstack{display:flex;gap:12px}.hstack>.card{flex:1}.button{text-align:center}.button .big{font-size:28px;color:#44739e}
  </style></head><body><header>${esc(dashboard.title ?? 'Shrinkray')}</header>
  <div class="note">Rendered in headless Chromium from the dashboard YAML in DOCS.md and the states Shrinkray publishes; Home Assistant's own cards look alike.</div>
  <main>${columns.map((col) => `<div class="col">${col.join('')}</div>`).join('')}</main></body></html>`;
}

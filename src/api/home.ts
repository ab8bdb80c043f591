import type Router from '@koa/router';
import type { Context } from 'koa';
import type { EncoderRegistry } from '../ffmpeg/registry.js';
import type { QueueView } from '../jobs/actions.js';
import { formatBytes } from '../util/format.js';
import { assetRoute, loadPanel, type PanelAssets, sendIndex } from './panel-routes.js';
import { plainRouter } from './router.js';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * `GET /`: the web panel (src/web, built by `npm run build` into dist/web) and its assets. Where the
 * panel was not built (running from a bare checkout), a plain status page stands in, so "Open Web
 * UI" always shows something. Relative links only: under ingress the page lives below a path prefix.
 */
export function homeRoutes(d: { view: QueueView; encoders: EncoderRegistry; version: string; panelDirs?: readonly string[] }): Router {
  const r = plainRouter();
  let loading: Promise<PanelAssets | undefined> | undefined;
  const panel = () => {
    loading ??= loadPanel(d.panelDirs);
    return loading;
  };
  void panel();
  assetRoute(r, panel);
  r.get('/', async (ctx) => {
    const built = await panel();
    if (built) return sendIndex(ctx, built);
    statusPage(ctx, d);
  });
  return r;
}

function statusPage(ctx: Context, d: { view: QueueView; encoders: EncoderRegistry; version: string }): void {
  const s = d.view.stats();
  const hevc = d.encoders.best('hevc');
  const av1 = d.encoders.best('av1');
  const rows: Array<[string, string]> = [
    ['Queue', `${d.view.isPaused() ? 'paused' : 'running'}, ${d.view.workerCount()} worker(s)`],
    ['Jobs', `${s.pending} pending, ${s.running} running, ${s.complete} complete, ${s.failed} failed, ${s.skipped} skipped, ${s.cancelled} cancelled`],
    ['Saved', `${formatBytes(s.session_saved)} this session, ${formatBytes(s.lifetime_saved)} in total`],
    ['Encoders', `HEVC: ${hevc.encoder}, AV1: ${av1.encoder}`],
  ];
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shrinkray</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem;color:#222}th{text-align:left;padding-right:1rem;vertical-align:top}td,th{padding:.25rem 1rem .25rem 0}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>
<h1>Shrinkray ${escapeHtml(d.version)}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<p>Start and follow jobs from Home Assistant (the <strong>Shrinkray</strong> MQTT device and its automations) or with the REST API:
<a href="api/jobs">api/jobs</a>, <a href="api/stats">api/stats</a>, <a href="api/encoders">api/encoders</a>, <a href="api/health">api/health</a>.</p>
<p>The web panel is not built here: run <code>npm run build</code>.</p>
</body></html>
`;
}

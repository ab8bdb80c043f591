import type Router from '@koa/router';
import type { Context } from 'koa';
import SSETransform from 'koa-sse-stream/lib/sse.js';
import type { Browser } from '../browse/browser.js';
import { badRequest } from '../errors.js';
import { apiRouter } from './router.js';

export interface BrowseRoutesDeps {
  browser: Browser;
  /** Comment keepalive of the browse stream (D6: at most 15 s). */
  keepaliveMs?: number;
  /** Bytes a browse stream may have waiting before it is dropped (it reconnects). */
  maxBufferedBytes?: number;
}

const onePath = (ctx: Context): string | undefined => {
  const path = ctx.query.path;
  if (Array.isArray(path)) throw badRequest('give one path');
  return path;
};

/**
 * GET /api/browse, GET /api/browse/stream, POST /api/browse/reconcile and POST /api/cache/clear
 * (upstream-behaviour §4.5, §9; D17: every path is checked like a browse).
 */
export function browseRoutes(d: BrowseRoutesDeps): Router {
  const r = apiRouter();
  r.get('/browse', async (ctx) => {
    ctx.body = await d.browser.browse(onePath(ctx));
  });
  r.get('/browse/stream', async (ctx) => {
    const where = await d.browser.folder(onePath(ctx));
    streamBrowse(ctx, d, where?.path);
  });
  r.post('/browse/reconcile', async (ctx) => {
    const where = await d.browser.folder(onePath(ctx));
    const recursive = ctx.query.recursive === 'true' || ctx.query.recursive === '1';
    d.browser.reconcile(where?.path, recursive);
    ctx.body = { status: 'reconciling' };
  });
  r.post('/cache/clear', (ctx) => {
    d.browser.clearCache();
    ctx.body = { status: 'cache cleared' };
  });
  return r;
}

/**
 * Unnamed SSE messages with the counts of the folder (`type: "totals"`) and of its child folders as
 * they are counted, and `file_update` for files a job changed. Starts with the current counts, so a
 * client that (re)connects is in step at once.
 */
function streamBrowse(ctx: Context, d: BrowseRoutesDeps, dir: string | undefined): void {
  ctx.req.socket.setTimeout(0);
  ctx.compress = false;
  const sse = new SSETransform(ctx);
  ctx.status = 200;
  ctx.body = sse;
  const limit = d.maxBufferedBytes ?? 1024 * 1024;
  const socket = ctx.req.socket;
  let closed = false;
  const send = (payload: object | string) => {
    if (closed || sse.ended || sse.destroyed) return;
    sse.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
    if (socket.writableLength > limit) close();
  };
  const roots = d.browser.roots();
  const unwatch = d.browser.feed.watch(dir, roots, send);
  const keepalive = setInterval(() => send(':'), d.keepaliveMs ?? 15_000);
  keepalive.unref();
  function close() {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    unwatch();
    sse.destroy();
    ctx.res.destroy();
  }
  ctx.req.on('close', close);
  ctx.res.on('close', close);
  sse.on('error', close);
  send(':connected');
  // The current state first: folders already counted send nothing more until they change.
  if (dir === undefined) for (const root of roots) send({ path: root, ...d.browser.counts.view(root) });
  else {
    send({ type: 'totals', path: dir, ...d.browser.counts.view(dir) });
    for (const child of d.browser.counts.children(dir)) send(child);
  }
}

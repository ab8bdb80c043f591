import type { Context } from 'koa';
import SSETransform from 'koa-sse-stream/lib/sse.js';
import type { QueueView } from '../jobs/actions.js';
import { SSE_EVENT_TYPES } from '../jobs/types.js';

export interface SseOptions {
  /** Comment keepalive interval (D6: at most 15 s). */
  keepaliveMs: number;
  /** Bytes a client may have waiting beyond the initial snapshot before it is dropped (D6). */
  maxBufferedBytes: number;
}

/**
 * GET /api/jobs/stream. Uses koa-sse-stream's transform for the wire format and headers, but not its
 * middleware: that one keeps one global ping timer that logs a line per ping and is never cleared.
 * Messages are unnamed (`data: <json>`), `init` first; a client that cannot keep up is disconnected
 * rather than slowing the queue (it reconnects and gets a fresh `init`).
 */
export function streamJobs(ctx: Context, view: QueueView, opts: SseOptions): void {
  ctx.req.socket.setTimeout(0);
  ctx.compress = false;
  const sse = new SSETransform(ctx);
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.status = 200;
  ctx.body = sse;

  let limit = opts.maxBufferedBytes;
  const send = (payload: object) => {
    if (sse.ended || sse.destroyed) return;
    sse.send(JSON.stringify(payload));
    const waiting = sse.readableLength + ctx.res.writableLength;
    if (waiting > limit) close();
  };
  const unsubscribe = view.subscribe((event) => {
    if (SSE_EVENT_TYPES.has(event.type)) send(event);
  });
  const keepalive = setInterval(() => {
    if (!sse.ended && !sse.destroyed) sse.send(':');
  }, opts.keepaliveMs);
  keepalive.unref();
  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    unsubscribe();
    sse.destroy();
    ctx.res.destroy();
  }
  ctx.req.on('close', close);
  ctx.res.on('close', close);
  sse.on('error', close);

  const init = JSON.stringify({ type: 'init', jobs: view.jobs(), stats: view.stats() });
  // The snapshot may be large (10,000 jobs): the bound applies to what queues up after it.
  limit = opts.maxBufferedBytes + Buffer.byteLength(init);
  sse.send(init);
}

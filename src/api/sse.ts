import type { Context } from 'koa';
import SSETransform from 'koa-sse-stream/lib/sse.js';
import type { QueueView } from '../jobs/actions.js';
import { SSE_EVENT_TYPES } from '../jobs/types.js';

export interface SseOptions {
  /** Comment keepalive interval (D6: at most 15 s). */
  keepaliveMs: number;
  /** Bytes a client may have waiting beyond the initial snapshot before it is dropped (D6). */
  maxBufferedBytes: number;
  /** How long a client may stay over the bound before it is dropped (default 1 s). */
  overflowGraceMs?: number;
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
  ctx.status = 200;
  ctx.body = sse;

  let limit = opts.maxBufferedBytes;
  // The transform's own buffers count messages, not bytes, once backpressure starts; compare what
  // was queued with what actually reached the socket instead.
  let queued = 0;
  const socket = ctx.req.socket;
  const sendRaw = (text: string) => {
    queued += Buffer.byteLength(text) + 8;
    sse.send(text);
  };
  // A burst (clearing 10,000 jobs) may exceed the bound for a moment even for a fast client, so the
  // bound is checked a second later: only a client still that far behind is dropped. A backlog 8x
  // the bound is dropped at once to protect memory.
  let overflowCheck: NodeJS.Timeout | undefined;
  const behind = () => queued - socket.bytesWritten;
  const send = (payload: object) => {
    if (sse.ended || sse.destroyed) return;
    sendRaw(JSON.stringify(payload));
    const waiting = behind();
    if (waiting > limit * 8) close();
    else if (waiting > limit && !overflowCheck) {
      overflowCheck = setTimeout(() => {
        overflowCheck = undefined;
        if (behind() > limit) close();
      }, opts.overflowGraceMs ?? 1000);
      overflowCheck.unref();
    }
  };
  const unsubscribe = view.subscribe((event) => {
    if (SSE_EVENT_TYPES.has(event.type)) send(event);
  });
  const keepalive = setInterval(() => {
    if (!sse.ended && !sse.destroyed) sendRaw(':');
  }, opts.keepaliveMs);
  keepalive.unref();
  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    if (overflowCheck) clearTimeout(overflowCheck);
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
  sendRaw(init);
}

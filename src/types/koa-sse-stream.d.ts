declare module 'koa-sse-stream/lib/sse.js' {
  import type { Transform } from 'node:stream';
  import type { Context } from 'koa';
  /** The SSE transform of koa-sse-stream: sets the SSE headers, writes `: ok`, formats messages. */
  export default class SSETransform extends Transform {
    constructor(ctx: Context, opts?: object);
    ended: boolean;
    send(data: string | { data?: string; event?: string; id?: number; retry?: number }): void;
    sendEnd(data?: unknown): void;
  }
}

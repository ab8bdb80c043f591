import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';

/** First middleware: every failure becomes `{"error": "..."}` with its status (D1). */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: 'not found' };
      } else if (ctx.status === 405 && ctx.body === undefined) {
        ctx.status = 405;
        ctx.body = { error: `method ${ctx.method} not allowed` };
      } else if (ctx.status === 501 && ctx.body === undefined) {
        ctx.status = 405;
        ctx.body = { error: `method ${ctx.method} not allowed` };
      }
    } catch (error) {
      if (error instanceof AppError) {
        if (error.status >= 500) log.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
        ctx.status = error.status;
        ctx.body = { error: error.message };
        return;
      }
      const { status, expose } = error as { status?: number; expose?: boolean };
      if (typeof status === 'number' && status >= 400 && status < 500) {
        ctx.status = status;
        // Koa's own client errors (a malformed URI…) say what was wrong; others get the status text.
        ctx.body = { error: expose ? (error as Error).message : 'bad request' };
        return;
      }
      // The detail (errno strings, paths) goes to the log only; the client gets a short message.
      log.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: 'internal error (see the service log)' };
    }
  };
}

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
      }
    } catch (error) {
      if (error instanceof AppError) {
        ctx.status = error.status;
        ctx.body = { error: error.message };
        return;
      }
      const status = (error as { status?: number; expose?: boolean }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        ctx.status = status;
        ctx.body = { error: (error as Error).message };
        return;
      }
      log.error({ err: error, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: `internal error: ${(error as Error).message}` };
    }
  };
}

import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Logger } from '../log.js';
import { errorMiddleware } from './errors.js';

/** The Koa app: error mapping first, then the listener's guard, then every router, then 404/405 as JSON. */
export function createHttpApp(o: { log: Logger; guards: Middleware[]; routers: Router[] }): Koa {
  const app = new Koa();
  app.use(errorMiddleware(o.log));
  for (const guard of o.guards) app.use(guard);
  for (const router of o.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.on('error', (error: Error & { code?: string }) => {
    // Clients that hang up mid-response (SSE tabs closing) are normal.
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    o.log.warn({ err: error }, 'http error');
  });
  return app;
}

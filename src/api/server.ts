import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Logger } from '../log.js';
import { errorMiddleware } from './errors.js';
import { plainRouter } from './router.js';

export interface HttpAppOptions {
  log: Logger;
  /** Run for every request, routed or not (peer, host and origin checks: they fail closed). */
  global: Middleware[];
  /** Run for every request that reaches a route of `guarded` (the token). */
  guards: Middleware[];
  /** Routes behind `guards`. */
  guarded: Router[];
  /** Routes no guard of `guards` applies to (health, the panel's static files). */
  open: Router[];
}

/** Puts routers under one parent; `guards` run first whenever one of its routes matches. */
function mount(app: Koa, routers: Router[], guards: Middleware[]): void {
  const root = plainRouter();
  for (const guard of guards) root.use(guard);
  for (const router of routers) root.use(router.routes());
  app.use(root.routes());
  app.use(root.allowedMethods());
}

/**
 * The Koa app: error mapping first, then the global checks, then the open routes, then the guarded
 * routes behind their guards (mounted where routing happens, D21), then 404/405 as JSON.
 */
export function createHttpApp(o: HttpAppOptions): Koa {
  const app = new Koa();
  app.use(errorMiddleware(o.log));
  for (const middleware of o.global) app.use(middleware);
  mount(app, o.open, []);
  mount(app, o.guarded, o.guards);
  app.on('error', (error: Error & { code?: string }) => {
    // Clients that hang up mid-response (SSE tabs closing) are normal.
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    o.log.warn({ err: error }, 'http error');
  });
  return app;
}

import type Router from '@koa/router';
import type { QueueView } from '../jobs/actions.js';
import { apiRouter } from './router.js';

/** GET /api/health. Presets and encoders live in encoder-routes.ts. */
export function metaRoutes(d: { view: QueueView; version: string; startedAt: number; now: () => number }): Router {
  const r = apiRouter();
  r.get('/health', (ctx) => {
    ctx.body = {
      status: 'ok',
      version: d.version,
      uptime_secs: Math.floor((d.now() - d.startedAt) / 1000),
      paused: d.view.isPaused(),
      workers: d.view.workerCount(),
      running: d.view.running().length,
    };
  });
  return r;
}

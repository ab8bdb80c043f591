import type Router from '@koa/router';
import { apiRouter } from '../api/router.js';
import type { QueueView } from '../jobs/actions.js';
import type { WorkerInfo } from './coordinator.js';

/** GET /api/workers (issue 12): the local slots and every remote worker seen since the start. */
export function workerRoutes(d: { view: QueueView; remote: () => WorkerInfo[]; enabled: boolean; localEncoding: () => boolean }): Router {
  const r = apiRouter();
  r.get('/workers', (ctx) => {
    const running = d.view.running();
    ctx.body = {
      remote_workers: d.enabled,
      local: {
        enabled: d.localEncoding(),
        slots: d.view.workerCount(),
        running_jobs: running.filter((j) => (j.worker ?? 'local') === 'local').map((j) => j.id),
      },
      workers: d.remote(),
    };
  });
  return r;
}

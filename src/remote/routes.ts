import type Router from '@koa/router';
import { apiRouter } from '../api/router.js';
import { conflict, notFound } from '../errors.js';
import type { QueueView } from '../jobs/actions.js';
import type { WorkerInfo } from './coordinator.js';

export interface WorkerRouteDeps {
  view: QueueView;
  remote: () => WorkerInfo[];
  /** Forgets an offline remote worker ('unknown' when remote workers are off). */
  forget: (name: string) => 'forgotten' | 'unknown' | 'online' | 'busy';
  /** The `remote_workers` setting. */
  enabled: () => boolean;
  /** `none`: no broker found yet (no `mqtt_url`, or the Supervisor has no MQTT service yet). */
  broker: () => 'connected' | 'connecting' | 'none';
  localEncoding: () => boolean;
}

/**
 * GET /api/workers (issue 12): the local slots and every remote worker seen since the start.
 * DELETE /api/workers/{name}: forget an offline worker (its entry, its Home Assistant entities and
 * its retained status on the broker).
 */
export function workerRoutes(d: WorkerRouteDeps): Router {
  const r = apiRouter();
  r.get('/workers', (ctx) => {
    const running = d.view.running();
    ctx.body = {
      remote_workers: d.enabled(),
      broker: d.enabled() ? d.broker() : 'none',
      local: {
        enabled: d.localEncoding(),
        slots: d.view.workerCount(),
        running_jobs: running.filter((j) => (j.worker ?? 'local') === 'local').map((j) => j.id),
      },
      workers: d.remote(),
    };
  });
  r.delete('/workers/:name', (ctx) => {
    const name = ctx.params.name ?? '';
    const outcome = d.forget(name);
    if (outcome === 'unknown') {
      if (!d.enabled()) throw notFound('remote workers are off (remote_workers is false)');
      if (d.broker() === 'none') throw notFound('remote workers are waiting for an MQTT broker (set mqtt_url, or start the Mosquitto add-on)');
      throw notFound(`no remote worker named '${name}'`);
    }
    if (outcome === 'busy') throw conflict(`worker '${name}' holds a job: cancel it or wait until it ends`);
    if (outcome === 'online') throw conflict(`worker '${name}' is online: stop it first, or it announces itself again at once`);
    ctx.body = { forgotten: name };
  });
  return r;
}

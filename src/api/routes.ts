import type Router from '@koa/router';
import { notFound } from '../errors.js';
import type { QueueActions, QueueView } from '../jobs/actions.js';
import { readJson } from './body.js';
import { apiRouter } from './router.js';
import { type SseOptions, streamJobs } from './sse.js';

export interface JobRoutesDeps {
  view: QueueView;
  actions: QueueActions;
  sse: SseOptions;
}

/** The Jobs API of jobs-api.md, plus the documented additions (remove, queue state, workers). */
export function jobRoutes(d: JobRoutesDeps): Router {
  const r = apiRouter();
  r.get('/jobs', (ctx) => {
    ctx.body = { jobs: d.view.jobs(), stats: d.view.stats() };
  });
  r.post('/jobs', async (ctx) => {
    const { status, message } = await d.actions.createJobs(await readJson(ctx));
    ctx.status = 202;
    ctx.body = { status, message };
  });
  r.get('/jobs/stream', (ctx) => streamJobs(ctx, d.view, d.sse));
  r.post('/jobs/clear', async (ctx) => {
    ctx.body = await d.actions.clear(ctx.query.status);
  });
  r.get('/jobs/:id', (ctx) => {
    const job = d.view.get(ctx.params.id ?? '');
    if (!job) throw notFound('job not found');
    ctx.body = job;
  });
  r.delete('/jobs/:id', async (ctx) => {
    const { status } = await d.actions.cancel(ctx.params.id ?? '');
    ctx.body = { status };
  });
  r.post('/jobs/:id/retry', async (ctx) => {
    ctx.body = await d.actions.retry(ctx.params.id ?? '');
  });
  r.post('/jobs/:id/remove', async (ctx) => {
    ctx.body = await d.actions.remove(ctx.params.id ?? '');
  });
  r.get('/queue', (ctx) => {
    ctx.body = { paused: d.view.isPaused(), workers: d.view.workerCount(), running: d.view.running().map((j) => j.id) };
  });
  r.post('/queue/pause', async (ctx) => {
    ctx.body = await d.actions.pause();
  });
  r.post('/queue/resume', async (ctx) => {
    ctx.body = await d.actions.resume();
  });
  r.post('/queue/workers', async (ctx) => {
    const body = await readJson(ctx);
    const workers = body && typeof body === 'object' ? (body as { workers?: unknown }).workers : undefined;
    ctx.body = await d.actions.setWorkers(workers);
  });
  r.get('/stats', (ctx) => {
    ctx.body = d.view.stats();
  });
  r.post('/stats/reset-session', async (ctx) => {
    ctx.body = await d.actions.resetSession();
  });
  return r;
}

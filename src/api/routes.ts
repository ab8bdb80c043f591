import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { notFound } from '../errors.js';
import type { QueueActions, QueueView } from '../jobs/actions.js';
import type { Job, Stats } from '../jobs/types.js';
import { readJson } from './body.js';
import { apiRouter } from './router.js';
import { type SseOptions, streamJobs } from './sse.js';

export interface JobRoutesDeps {
  view: QueueView;
  actions: QueueActions;
  sse: SseOptions;
  /** Lists longer than this are sent in pieces (default 2,000 jobs). */
  streamAbove?: number;
}

const PIECE = 500;

/**
 * `{"jobs":[…],"stats":{…}}` in pieces of 500 jobs. Made as one string, a 100,000-job list (65 MB)
 * raised the process's memory peak by ~220 MB; in pieces by ~60 MB (the snapshot itself). The
 * snapshot is taken before the first piece, so the list is still one instant's state.
 */
function* jobListPieces(jobs: readonly Job[], stats: Stats): Generator<string> {
  yield '{"jobs":[';
  for (let i = 0; i < jobs.length; i += PIECE) {
    const part = jobs.slice(i, i + PIECE).map((job) => JSON.stringify(job));
    yield `${i === 0 ? '' : ','}${part.join(',')}`;
  }
  yield `],"stats":${JSON.stringify(stats)}}`;
}

/** The Jobs API of jobs-api.md, plus the documented additions (remove, queue state, workers). */
export function jobRoutes(d: JobRoutesDeps): Router {
  const r = apiRouter();
  r.get('/jobs', (ctx) => {
    const jobs = d.view.jobs();
    const stats = d.view.stats();
    if (jobs.length <= (d.streamAbove ?? 2000)) {
      ctx.body = { jobs, stats };
      return;
    }
    ctx.type = 'application/json';
    ctx.body = Readable.from(jobListPieces(jobs, stats), { objectMode: false });
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

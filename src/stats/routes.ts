import type Router from '@koa/router';
import { apiRouter } from '../api/router.js';
import { badRequest } from '../errors.js';
import type { SpaceHistory } from './history.js';

const MAX_DAYS = 366;

/** GET /api/stats/history?days=N: bytes saved per day for the last N days (default 30). */
export function statsHistoryRoutes(d: { history: SpaceHistory }): Router {
  const r = apiRouter();
  r.get('/stats/history', (ctx) => {
    const raw = ctx.query.days;
    if (Array.isArray(raw)) throw badRequest('give days once');
    const days = raw === undefined || raw === '' ? 30 : Number(raw);
    if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw badRequest(`days must be a whole number between 1 and ${MAX_DAYS}`);
    ctx.body = d.history.range(days);
  });
  return r;
}

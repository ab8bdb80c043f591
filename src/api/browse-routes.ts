import Router from '@koa/router';
import type { Browser } from '../browse/browser.js';
import { badRequest } from '../errors.js';

/** GET /api/browse and POST /api/cache/clear (upstream-behaviour §9, D17). */
export function browseRoutes(d: { browser: Browser }): Router {
  const r = new Router({ prefix: '/api' });
  r.get('/browse', async (ctx) => {
    const path = ctx.query.path;
    if (Array.isArray(path)) throw badRequest('give one path');
    ctx.body = await d.browser.browse(path);
  });
  r.post('/cache/clear', (ctx) => {
    d.browser.clearCache();
    ctx.body = { status: 'cache cleared' };
  });
  return r;
}

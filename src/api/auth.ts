import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * D17: with a token set, every /api request but the health check needs `Authorization: Bearer
 * <token>` (or `?token=` for EventSource, which cannot send headers).
 */
export function tokenMiddleware(token: () => string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const expected = token();
    if (!expected || !ctx.path.startsWith('/api/') || ctx.path === '/api/health') return next();
    const header = ctx.get('authorization');
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : typeof ctx.query.token === 'string' ? ctx.query.token : '';
    if (!given || !same(given, expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { error: 'missing or wrong API token' };
      return;
    }
    return next();
  };
}

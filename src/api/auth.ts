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

/** `::ffff:172.30.32.2` and `172.30.32.2` are the same peer. */
export const normalisePeer = (address: string | undefined): string => (address ?? '').replace(/^::ffff:/, '');

/**
 * D17: with allowed peers set (the add-on's ingress answers only the Supervisor's proxy), anyone
 * else gets 403. The health check stays open for the container's own HEALTHCHECK on loopback.
 */
export function peerMiddleware(peers: () => readonly string[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const allowed = peers();
    if (allowed.length === 0 || ctx.path === '/api/health') return next();
    if (!allowed.includes(normalisePeer(ctx.req.socket.remoteAddress))) {
      ctx.status = 403;
      ctx.body = { error: 'this port only answers Home Assistant ingress' };
      return;
    }
    return next();
  };
}

/**
 * Any web page can make a browser send a plain POST to a LAN address. Browsers mark such requests
 * with an `Origin` header: a state-changing request from another origin is refused, so a page on
 * the internet cannot queue, clear or pause jobs here. Tools (curl, scripts, Home Assistant) send no
 * Origin and are not affected.
 */
export function sameOriginMiddleware() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = ctx.get('origin');
    if (!origin || ['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) return next();
    let host = '';
    try {
      host = new URL(origin).host;
    } catch {
      // `Origin: null` (sandboxed frames, file://) is never our page.
    }
    const forwarded = ctx.get('x-forwarded-host');
    if (host !== '' && (host === ctx.get('host') || host === forwarded)) return next();
    ctx.status = 403;
    ctx.body = { error: 'cross-site request refused' };
  };
}

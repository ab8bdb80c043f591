import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context, Next } from 'koa';

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The one path every guard leaves open: the container's HEALTHCHECK calls it on loopback. */
export const HEALTH_PATH = '/api/health';

/**
 * D17/D21: with a token set, a request needs `Authorization: Bearer <token>` (or `?token=` for
 * EventSource, which cannot send headers). Mounted on the router that holds every guarded route,
 * so it runs for whatever spelling of a path reached a route: there is no path test here to get wrong.
 */
export function tokenGuard(token: () => string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const expected = token();
    if (!expected) return next();
    const header = ctx.get('authorization');
    const given = /^bearer /i.test(header) ? header.slice(7).trim() : typeof ctx.query.token === 'string' ? ctx.query.token : '';
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
 * else gets 403, whatever the path. Only `GET /api/health`, spelled exactly, stays open for the
 * container's own HEALTHCHECK: an exact match fails closed for every other spelling.
 */
export function peerMiddleware(peers: () => readonly string[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const allowed = peers();
    if (allowed.length === 0 || (ctx.path === HEALTH_PATH && (ctx.method === 'GET' || ctx.method === 'HEAD'))) return next();
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
      host = new URL(origin).host.toLowerCase();
    } catch {
      // `Origin: null` (sandboxed frames, file://) is never our page.
    }
    const forwarded = ctx.get('x-forwarded-host').toLowerCase();
    if (host !== '' && (host === ctx.get('host').toLowerCase() || host === forwarded)) return next();
    ctx.status = 403;
    ctx.body = { error: 'cross-site request refused' };
  };
}

/** The host name of a `Host` header (`name:port`, `[::1]:port`), lower case, without a trailing dot. */
export function hostNameOf(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']')) : (h.split(':')[0] ?? '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** IP literals and localhost are always ours: a rebinding attack needs a name it controls. */
export function hostAllowed(name: string, allowed: readonly string[]): boolean {
  if (name === '') return false;
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowed.some((a) => a.toLowerCase() === name);
}

/**
 * D21, DNS rebinding: without a token, a page on an attacker's domain can point that domain at this
 * machine and then read the API as "same origin". Only expected host names are served: IP literals,
 * localhost, this machine's names, `public_url`'s host and the `allowed_hosts` setting.
 */
export function hostMiddleware(allowed: () => readonly string[], active: () => boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!active()) return next();
    const name = hostNameOf(ctx.get('host'));
    if (hostAllowed(name, allowed())) return next();
    ctx.status = 403;
    ctx.body = { error: `host name '${name.slice(0, 100)}' is not allowed here; add it to the allowed_hosts setting to use it` };
  };
}

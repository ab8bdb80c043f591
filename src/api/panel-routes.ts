import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type Router from '@koa/router';
import type { Context } from 'koa';

/** One built file, kept in memory with its gzip form (the whole panel is well under 1 MB). */
interface PanelFile {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

/** The built panel (`npm run build` → dist/web): index.html and content-hashed assets. */
export interface PanelAssets {
  dir: string;
  index: string;
  files: ReadonlyMap<string, PanelFile>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/** Where the panel is looked for: beside the compiled server (dist/api → dist/web), or dist/web when run from src. */
export const PANEL_DIRS: readonly string[] = [
  fileURLToPath(new URL('../web/', import.meta.url)),
  fileURLToPath(new URL('../../dist/web/', import.meta.url)),
];

/** Reads the first built panel found; undefined when the panel was not built (the status page stands in). */
export async function loadPanel(dirs: readonly string[] = PANEL_DIRS): Promise<PanelAssets | undefined> {
  for (const dir of dirs) {
    const index = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
    // src/web holds the unbuilt template (run from src/ with tsx): not a panel.
    if (index === undefined || index.includes('%MAIN_JS%')) continue;
    const files = new Map<string, PanelFile>();
    const names = await readdir(join(dir, 'assets')).catch(() => [] as string[]);
    for (const name of names) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = await readFile(join(dir, 'assets', name));
      files.set(name, { body, gzip: gzipSync(body, { level: 9 }), type });
    }
    return { dir, index, files };
  }
  return undefined;
}

/**
 * `X-Ingress-Path` as Home Assistant sends it (`/api/hassio_ingress/<token>`): a plain absolute path.
 * Anything else (quotes, `//host`, `..`) is ignored rather than written into the page.
 */
export function ingressBase(header: string): string | undefined {
  const path = header.trim().replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$/.test(path) || path.includes('//') || path.split('/').includes('..')) return undefined;
  return `${path}/`;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

/**
 * Sends index.html: never cached (it names the current hashed assets), with a `<base>` that makes
 * every relative URL land under the ingress path even when the browser's URL lacks the final slash.
 */
export function sendIndex(ctx: Context, panel: PanelAssets): void {
  const base = ingressBase(ctx.get('x-ingress-path')) ?? './';
  ctx.type = 'text/html; charset=utf-8';
  ctx.set({
    ...SECURITY_HEADERS,
    'Cache-Control': 'no-store',
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'",
  });
  ctx.body = panel.index.replace('%BASE_HREF%', base);
}

/** GET /assets/<name>: only names the build produced (no path is ever joined from the request). */
export function assetRoute(router: Router, panel: () => Promise<PanelAssets | undefined>): void {
  router.get('/assets/:name', async (ctx) => {
    const file = (await panel())?.files.get(ctx.params.name ?? '');
    if (!file) {
      ctx.status = 404;
      ctx.body = { error: 'not found' };
      return;
    }
    const gzip = /\bgzip\b/.test(ctx.get('accept-encoding'));
    ctx.type = file.type;
    // Names carry a content hash: a new build has new names, so a year's caching is safe.
    ctx.set({ ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=31536000, immutable', Vary: 'Accept-Encoding' });
    if (gzip) ctx.set('Content-Encoding', 'gzip');
    ctx.body = gzip ? file.gzip : file.body;
  });
}

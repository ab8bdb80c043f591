/**
 * A stand-in for Home Assistant's ingress: serves the app below `/api/hassio_ingress/<token>/`,
 * strips that prefix and adds the headers Home Assistant Core adds (`X-Ingress-Path`,
 * `X-Hass-Source`, `X-Forwarded-For/Host/Proto`), dropping `Accept-Encoding` as it does. Responses
 * stream through (SSE). A request outside the prefix is a 404 and is recorded: the panel must only
 * use relative URLs. `stall()` freezes open streams the way a stuck proxy does (the connection
 * stays up, nothing comes through).
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IngressProxy {
  /** The panel's URL as Home Assistant's iframe opens it (with the final slash). */
  url: string;
  prefix: string;
  /** Paths requested outside the ingress prefix. */
  strays: string[];
  /** Every forwarded request: method and path as the app saw it. */
  seen: Array<{ method: string; path: string; ingressPath: string | undefined }>;
  /** Stops passing bytes of streams open now (and of new ones) until `unstall()`. */
  stall(): void;
  unstall(): void;
  close(): Promise<void>;
}

const DROP = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'accept-encoding', 'connection', 'keep-alive']);

export async function startIngressProxy(target: string, token = 'f00dcafe1234'): Promise<IngressProxy> {
  const upstream = new URL(target);
  const prefix = `/api/hassio_ingress/${token}`;
  const strays: string[] = [];
  const seen: IngressProxy['seen'] = [];
  let stalled = false;
  const held = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
      strays.push(url);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not under the ingress path');
      return;
    }
    const path = url.slice(prefix.length) || '/';
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !DROP.has(name)) headers[name] = value;
    headers['x-hass-source'] = 'core.ingress';
    headers['x-ingress-path'] = prefix;
    headers['x-forwarded-for'] = `${req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ` : ''}${req.socket.remoteAddress ?? ''}`;
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    seen.push({ method: req.method ?? 'GET', path, ingressPath: prefix });
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (answer) => {
      const back: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !DROP.has(name)) back[name] = value;
      res.writeHead(answer.statusCode ?? 502, back);
      if (answer.headers['content-type']?.startsWith('text/event-stream')) {
        held.add(res);
        res.on('close', () => {
          held.delete(res);
          answer.destroy();
        });
        answer.on('data', (chunk: Buffer) => {
          if (!stalled) res.write(chunk);
        });
        answer.on('end', () => res.end());
        answer.on('error', () => res.destroy());
      } else answer.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(out);
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}/`,
    prefix,
    strays,
    seen,
    stall: () => {
      stalled = true;
    },
    unstall: () => {
      stalled = false;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

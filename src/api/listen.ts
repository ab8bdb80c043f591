import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts an HTTP server; resolves with it and a URL a local client can use. */
export async function listen(handler: RequestListener, port: number, host: string): Promise<{ server: Server; url: string }> {
  // The Host header is checked by the app (D21), which answers in JSON; Node's own check would answer
  // a bare plain-text 400.
  const server = createServer({ requireHostHeader: false }, handler);
  server.keepAliveTimeout = 5000;
  // Requests Node cannot parse (an unknown method, a malformed header) never reach Koa: answer them
  // as JSON too (D21: no plain-text errors), then close the connection.
  // CONNECT is never routed to Koa: answer it (JSON 405) instead of dropping the socket.
  server.on('connect', (_req, socket) => {
    const body = JSON.stringify({ error: 'method CONNECT not allowed' });
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({ error: tooLarge ? 'request headers too large' : 'malformed HTTP request' });
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const name = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${name === '0.0.0.0' || name === '[::]' ? '127.0.0.1' : name}:${address.port}` };
}

/** Closes a server and every connection it holds (SSE streams included). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** True when the answer was an event stream, cut after its headers. */
  stream: boolean;
  /** The connection was reset after (part of) the answer arrived (e.g. an oversized body left unread). */
  reset: boolean;
}

/**
 * Sends one request as exact bytes (request line, headers, body: nothing normalised, any byte
 * allowed) and reads the answer. Unlike raw-http.ts it takes a Buffer body, tolerates a reset
 * once an answer has arrived (a server refusing a 1.5 MiB body may close before reading it all),
 * and cuts an event stream (SSE) after its headers instead of waiting for a close that never comes.
 * `head` may override the Host, Connection and Content-Length headers (or drop them with '').
 */
export function sendBytes(base: string, method: string, path: string, head: Record<string, string> = {}, body: Buffer | string = '', timeoutMs = 5000): Promise<RawAnswer> {
  const url = new URL(base);
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const headers: Record<string, string> = { host: url.host, connection: 'close', ...(payload.length > 0 ? { 'content-length': String(payload.length) } : {}), ...head };
  const headText = Object.entries(headers)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  const bytes = Buffer.concat([Buffer.from(`${method} `, 'latin1'), Buffer.from(path, 'utf8'), Buffer.from(` HTTP/1.1\r\n${headText}\r\n\r\n`, 'utf8'), payload]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let reset = false;
    let settled = false;
    const finish = (stream: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parse(Buffer.concat(chunks));
      if (!parsed) {
        reject(new Error(`no answer to ${method} ${path.slice(0, 200)}${reset ? ' (connection reset)' : ''}`));
        return;
      }
      resolve({ ...parsed, stream, reset });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`no answer to ${method} ${path.slice(0, 200)} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(bytes, () => undefined);
    });
    socket.on('data', (d) => {
      chunks.push(d);
      const parsed = parse(Buffer.concat(chunks));
      if (parsed && /text\/event-stream/.test(parsed.headers['content-type'] ?? '')) finish(true);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        reset = true;
        // Whatever arrived before the reset is the answer; wait for the close.
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => finish(false));
  });
}

function parse(data: Buffer): { status: number; headers: Record<string, string>; body: string } | undefined {
  const split = data.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let rest = data;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) break;
    const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 2 + size + 2);
  }
  return Buffer.concat(out);
}

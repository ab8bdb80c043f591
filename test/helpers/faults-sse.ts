import { connect } from 'node:net';

/** How a churn client leaves. */
export type ChurnStyle =
  /** Sends the request and closes before any answer. */
  | 'drop-before-answer'
  /** Reads the headers and the init message, then destroys the socket. */
  | 'destroy-after-init'
  /** Reads for a while, then half-closes (FIN) and waits for the server to close. */
  | 'half-close'
  /** Never reads (paused socket, a stuck tab), then destroys. */
  | 'never-reads'
  /** Sends half a request line, then destroys. */
  | 'partial-request'
  /** fetch() with an AbortController, aborted after a while. */
  | 'fetch-abort';

export const CHURN_STYLES: readonly ChurnStyle[] = ['drop-before-answer', 'destroy-after-init', 'half-close', 'never-reads', 'partial-request', 'fetch-abort'];

export interface ChurnResult {
  style: ChurnStyle;
  /** The init message arrived. */
  gotInit: boolean;
  /** Any other event arrived while connected. */
  gotEvents: boolean;
  status: number;
  error?: string;
}

/** One SSE client of GET `path` that lives about `lifetimeMs` and leaves the way `style` says. */
export function churnClient(base: string, path: string, style: ChurnStyle, lifetimeMs: number): Promise<ChurnResult> {
  if (style === 'fetch-abort') return fetchClient(base, path, lifetimeMs);
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let done = false;
    const result = (): ChurnResult => ({
      style,
      gotInit: text.includes('"type":"init"'),
      gotEvents: /"type":"(?!init)[a-z_]+"/.test(text),
      status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0),
    });
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result(), ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => {
      if (style === 'half-close') {
        socket.end();
        // The server must close its side once the client has; give it a moment.
        setTimeout(() => finish(done ? undefined : 'server kept a half-closed stream open'), 2000).unref();
      } else finish();
    }, lifetimeMs);
    socket.on('connect', () => {
      const request = `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`;
      if (style === 'partial-request') {
        socket.write(request.slice(0, 12));
        setTimeout(() => finish(), Math.min(lifetimeMs, 200));
        return;
      }
      socket.write(request);
      if (style === 'drop-before-answer') finish();
      if (style === 'never-reads') socket.pause();
    });
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      if (style === 'destroy-after-init' && text.includes('"type":"init"')) setTimeout(() => finish(), Math.min(lifetimeMs, 50));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish());
  });
}

async function fetchClient(base: string, path: string, lifetimeMs: number): Promise<ChurnResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), lifetimeMs);
  let text = '';
  let status = 0;
  try {
    const res = await fetch(base + path, { signal: controller.signal });
    status = res.status;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  } catch {
    // Aborted: the way this client leaves.
  } finally {
    clearTimeout(timer);
  }
  return { style: 'fetch-abort', gotInit: text.includes('"type":"init"'), gotEvents: /"type":"(?!init)[a-z_]+"/.test(text), status };
}

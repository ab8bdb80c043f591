import { apiUrl, authHeaders } from './api.js';

export type StreamState = 'connecting' | 'open' | 'stalled';

export interface StreamOptions {
  /** Relative URL, e.g. `api/jobs/stream`. */
  path: string;
  onMessage: (data: unknown) => void;
  onState?: (state: StreamState) => void;
  /** No byte (not even the 15 s keepalive comment) for this long: the stream is dead, reconnect. */
  stallMs: number;
}

/**
 * Server-Sent Events over fetch rather than EventSource: EventSource hides the keepalive comments,
 * so it cannot tell a quiet stream from a stalled one (a proxy holding the connection open), and it
 * cannot send the API token header. Reconnects with backoff; each new connection begins with the
 * server's snapshot (`init`), which resynchronises the caller.
 */
export class EventStream {
  private readonly o: StreamOptions;
  private abort: AbortController | undefined;
  private lastByte = 0;
  private watchdog: number | undefined;
  private retry: number | undefined;
  private backoff = 500;
  private stopped = true;
  state: StreamState = 'connecting';

  constructor(options: StreamOptions) {
    this.o = options;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.watchdog = window.setInterval(() => this.check(), Math.min(1000, this.o.stallMs / 2));
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearInterval(this.watchdog);
    window.clearTimeout(this.retry);
    this.abort?.abort();
  }

  private setState(state: StreamState): void {
    if (this.state === state) return;
    this.state = state;
    this.o.onState?.(state);
  }

  private check(): void {
    if (this.abort && this.state === 'open' && Date.now() - this.lastByte > this.o.stallMs) {
      this.abort.abort();
      this.setState('stalled');
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const abort = new AbortController();
    this.abort = abort;
    if (this.state !== 'stalled') this.setState('connecting');
    try {
      const res = await fetch(apiUrl(this.o.path), { headers: { Accept: 'text/event-stream', ...authHeaders() }, cache: 'no-store', signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      this.lastByte = Date.now();
      this.setState('open');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser(this.o.onMessage);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.lastByte = Date.now();
        this.backoff = 500;
        parser.push(value);
      }
    } catch {
      // Aborted, refused or cut: reconnect below.
    }
    if (this.abort === abort) this.abort = undefined;
    if (this.stopped) return;
    this.setState('stalled');
    this.retry = window.setTimeout(() => void this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, 10_000);
  }
}

/** The SSE wire format (data lines, blank line ends a message, `:` comments). Other fields are ignored. */
export class SseParser {
  private buffer = '';
  private scanned = 0;
  private data: string[] = [];
  private readonly emit: (data: unknown) => void;

  constructor(emit: (data: unknown) => void) {
    this.emit = emit;
  }

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      // A snapshot of 10,000 jobs is one line of megabytes: scan only what is new.
      const end = this.buffer.indexOf('\n', this.scanned);
      if (end === -1) {
        this.scanned = this.buffer.length;
        return;
      }
      let line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      this.scanned = 0;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length === 0) return;
      const text = this.data.join('\n');
      this.data = [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      this.emit(parsed);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.data.push(value);
  }
}

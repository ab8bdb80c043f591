import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  method: string;
  path: string;
  contentType: string;
  form: Record<string, string>;
}

/**
 * A local stand-in for `POST /1/messages.json`: records every request and answers with whatever
 * the test sets (Pushover answers 200 `{"status":1}` on success, 4xx `{"errors":[...]}` on error).
 */
export class PushoverStandIn {
  readonly received: ReceivedMessage[] = [];
  answer: { status: number; body: string } = { status: 200, body: '{"status":1,"request":"stand-in"}' };
  /** Never answer (timeouts). */
  hang = false;
  private readonly server: Server;
  private readonly hung: ServerResponse[] = [];
  private waiters: Array<() => void> = [];

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Starts listening on a free port; returns the messages endpoint URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/1/messages.json`;
  }

  /** Resolves once `count` requests have arrived. */
  async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedMessage[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > until) throw new Error(`stand-in got ${this.received.length} of ${count} requests`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    this.received.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] ?? '', form });
    for (const wake of this.waiters.splice(0)) wake();
    if (this.hang) {
      this.hung.push(res);
      return;
    }
    res.writeHead(this.answer.status, { 'content-type': 'application/json' });
    res.end(this.answer.body);
  }
}

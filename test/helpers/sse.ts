/** A minimal SSE reader over fetch: records every `data:` message and every comment line. */
export class SseRecorder {
  readonly events: any[] = [];
  readonly comments: string[] = [];
  raw = '';
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  private waiters: Array<() => void> = [];
  status = 0;
  headers: Headers | undefined;

  constructor(url: string) {
    this.done = this.read(url).catch(() => undefined);
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(url, { signal: this.controller.signal });
    this.status = res.status;
    this.headers = res.headers;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      this.raw += text;
      buffer += text;
      let at = buffer.indexOf('\n\n');
      while (at !== -1) {
        const message = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        for (const line of message.split('\n')) {
          if (line.startsWith('data: ')) this.events.push(JSON.parse(line.slice(6)));
          else if (line.startsWith(':')) this.comments.push(line);
        }
        at = buffer.indexOf('\n\n');
      }
      for (const w of this.waiters.splice(0)) w();
    }
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  async waitFor(predicate: (e: any) => boolean, what: string, timeoutMs = 30_000): Promise<any> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(predicate);
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`timed out waiting for SSE ${what}; got ${this.types().join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

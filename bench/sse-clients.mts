/**
 * The clients of the SSE benchmark, in their own process (forked by bench/sse.mts) so that reading
 * 100 streams does not share an event loop with the server. Each client is a fetch stream on
 * /api/jobs/stream, parsed like an EventSource. For each job id it is sent, this process makes the
 * REST call that changes the queue (cancel, then remove) and records, per client, the time from the
 * call's start (and from its answer) to that client's receipt of the matching event.
 */
interface Start {
  url: string;
  clients: number;
  ids: string[];
}

interface Client {
  seen: Map<string, number>;
  inits: number;
  controller: AbortController;
  done: Promise<void>;
}

let wake: (() => void) | undefined;

function connect(url: string): Client {
  const client: Client = { seen: new Map(), inits: 0, controller: new AbortController(), done: Promise.resolve() };
  client.done = (async () => {
    const res = await fetch(`${url}/api/jobs/stream`, { signal: client.controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const at = performance.now();
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of message.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const event = JSON.parse(line.slice(6)) as { type: string; job?: { id: string } };
          if (event.type === 'init') client.inits += 1;
          else if (event.job) client.seen.set(`${event.type}:${event.job.id}`, at);
        }
        end = buffer.indexOf('\n\n');
      }
      wake?.();
    }
  })().catch((error: Error) => {
    if (error.name !== 'AbortError') throw error;
  });
  return client;
}

async function waitUntil(test: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 50);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

async function main({ url, clients: n, ids }: Start): Promise<object> {
  const clients = Array.from({ length: n }, () => connect(url));
  await waitUntil(() => clients.every((c) => c.inits > 0), 'every client to get init', 60_000);
  const fromCall: number[] = [];
  const fromAnswer: number[] = [];
  const calls: number[] = [];
  for (const id of ids) {
    for (const [type, method, path] of [
      ['cancelled', 'DELETE', `/api/jobs/${id}`],
      ['removed', 'POST', `/api/jobs/${id}/remove`],
    ] as const) {
      const key = `${type}:${id}`;
      const t0 = performance.now();
      const res = await fetch(`${url}${path}`, { method });
      await res.arrayBuffer();
      const t1 = performance.now();
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}`);
      calls.push(t1 - t0);
      await waitUntil(() => clients.every((c) => c.seen.has(key)), `${key} at every client`, 30_000);
      for (const c of clients) {
        const at = c.seen.get(key) as number;
        fromCall.push(at - t0);
        fromAnswer.push(at - t1);
      }
      // A short gap: each event is delivered on its own, not in a burst.
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  for (const c of clients) c.controller.abort();
  await Promise.all(clients.map((c) => c.done));
  return { fromCall, fromAnswer, calls };
}

const reply = (message: object) => process.send?.(message, undefined, {}, () => process.disconnect?.());

process.once('message', (start: Start) => {
  main(start).then(reply, (error: Error) => reply({ error: error.stack ?? error.message }));
});

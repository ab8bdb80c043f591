/**
 * SSE delivery latency to many clients (issue 8: p99 < 100 ms to 100 clients). The service runs in
 * this process; the clients run in a forked process (bench/sse-clients.mts) over real HTTP. The queue
 * is paused and holds pending jobs; each job is cancelled (DELETE /api/jobs/{id}) and then removed
 * (POST /api/jobs/{id}/remove), one call at a time, and every client's receipt of the resulting
 * `cancelled` / `removed` event is timed from the start of the REST call that caused it.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newJob } from '../src/jobs/job.js';
import { envNumber, makeApp, ms, pct, type Table } from './common.mjs';
import { fakeProbe } from './scale.mjs';

const PART = 'sse';

export async function sseBench(table: Table): Promise<void> {
  const clients = Math.max(1, Math.round(envNumber('BENCH_SSE_CLIENTS', 100, 20)));
  const jobs = Math.max(1, Math.round(envNumber('BENCH_SSE_JOBS', 25, 5)));
  console.log(`${PART}: delivery latency to ${clients} clients, ${jobs * 2} queue events`);
  const root = await mkdtemp(join(tmpdir(), 'bench-sse-'));
  const { app, media } = await makeApp(root);
  try {
    // Encoder detection (test encodes at startup) would compete with the first events.
    await app.encoders.ready();
    await app.service.pause();
    const ids = Array.from({ length: jobs }, (_, i) => `1700000000000-${i + 1}`);
    app.queue.add(ids.map((id, i) => newJob({ id, path: join(media, `Episode ${i}.mkv`), presetId: 'compress-hevc', encoder: 'none', probe: fakeProbe, now: new Date() })));
    await app.flush();
    const child = fork(fileURLToPath(new URL('./sse-clients.mts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const result = await new Promise<{ fromCall: number[]; fromAnswer: number[]; calls: number[]; error?: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the SSE client process exited (${code}) without a result`)));
      child.send({ url: app.url(), clients, ids });
    });
    child.removeAllListeners('exit');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    if (result.error) throw new Error(`SSE clients: ${result.error}`);
    const p99 = pct(result.fromCall, 99);
    const samples = `${result.fromCall.length} deliveries`;
    table.goal(PART, `delivery to ${clients} clients, from the REST call`, `p50 ${ms(pct(result.fromCall, 50))}  p99 ${ms(p99)}  max ${ms(Math.max(...result.fromCall))}`, p99, 100, 'p99 < 100 ms', {
      strict: true,
      note: samples,
    });
    table.add({ part: PART, figure: 'the same, from the REST answer', value: `p50 ${ms(pct(result.fromAnswer, 50))}  p99 ${ms(pct(result.fromAnswer, 99))}`, note: 'negative: the event came before the answer' });
    table.add({ part: PART, figure: 'the REST call itself (cancel / remove)', value: `p50 ${ms(pct(result.calls, 50))}  p99 ${ms(pct(result.calls, 99))}` });
  } finally {
    await app.stop();
    await rm(root, { recursive: true, force: true });
  }
}

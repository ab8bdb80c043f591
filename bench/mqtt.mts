/**
 * MQTT messages per job (issue 8). A real Mosquitto (test/helpers/broker.ts), the app with its MQTT
 * bridge on (default settings: state interval 5 s), one client subscribed to `#`. The messages of
 * the startup (discovery configs, availability, first states) are counted apart; then N short real
 * jobs (software HEVC of a 1 s 320x240 clip, one POST for all) run to the end, and every message
 * from the POST until the broker has been quiet for a state interval is counted, by topic.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync } from 'mqtt';
import { startBroker } from '../test/helpers/broker.js';
import { envNumber, makeApp, type Table, until } from './common.mjs';

const run = promisify(execFile);
const PART = 'mqtt';

interface Seen {
  topic: string;
  at: number;
}

/** Waits until no message has arrived for `quietMs` (at most `maxMs`). */
async function quiet(messages: Seen[], quietMs: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  for (;;) {
    const last = messages.at(-1)?.at ?? 0;
    if (Date.now() - last >= quietMs || Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Topics grouped: job and discovery ids replaced, so "per kind" counts read well. */
const kind = (topic: string) =>
  topic.startsWith('homeassistant/') ? (topic.endsWith('/config') ? 'homeassistant/…/config' : 'homeassistant/…') : topic.replace(/\/[0-9]{10,}-[0-9]+/g, '/{id}');

export async function mqttBench(table: Table): Promise<void> {
  const n = Math.max(1, Math.round(envNumber('BENCH_MQTT_JOBS', 5, 2)));
  const intervalS = Math.max(1, Math.round(envNumber('BENCH_MQTT_INTERVAL', 5, 5)));
  console.log(`${PART}: messages per job over ${n} real jobs (state interval ${intervalS} s)`);
  const root = await mkdtemp(join(tmpdir(), 'bench-mqtt-'));
  const broker = await startBroker();
  const client = await connectAsync(broker.url, { clean: true, protocolVersion: 4, reconnectPeriod: 100 });
  let app: Awaited<ReturnType<typeof makeApp>>['app'] | undefined;
  try {
    const messages: Seen[] = [];
    client.on('message', (topic) => messages.push({ topic, at: Date.now() }));
    await client.subscribeAsync('#', { qos: 1 });

    const clip = join(root, 'clip.mp4');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=1', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', clip]);
    const started = await makeApp(root, { mqtt_url: broker.url, mqtt_state_interval_secs: intervalS });
    app = started.app;
    const url = app.url();
    await app.encoders.ready();
    await until(() => messages.some((m) => m.topic === 'shrinkray/status'), 'the bridge to come online', 20_000, 50);
    await quiet(messages, intervalS * 1000 + 1000, 30_000);
    const startup = messages.splice(0);
    const configs = startup.filter((m) => kind(m.topic) === 'homeassistant/…/config').length;

    const folder = join(started.media, 'jobs');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < n; i++) await copyFile(clip, join(folder, `clip ${i}.mp4`));
    const res = await fetch(`${url}/api/jobs`, { method: 'POST', body: JSON.stringify({ paths: [folder], preset_id: 'compress-hevc' }) });
    if (res.status !== 202) throw new Error(`POST /api/jobs answered ${res.status}`);
    const done = async () => {
      const body = (await (await fetch(`${url}/api/jobs`)).json()) as { jobs: Array<{ status: string; error?: string }> };
      const failed = body.jobs.find((j) => j.status === 'failed');
      if (failed) throw new Error(`a job failed: ${failed.error}`);
      return body.jobs.length === n && body.jobs.every((j) => j.status === 'complete');
    };
    await until(done, 'every job to complete', 60_000 * n, 200);
    await quiet(messages, intervalS * 1000 + 1000, 60_000);
    const during = messages.splice(0);

    const byKind = new Map<string, number>();
    for (const m of during) byKind.set(kind(m.topic), (byKind.get(kind(m.topic)) ?? 0) + 1);
    const detail = [...byKind.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, c]) => `${k} ${c}`)
      .join(', ');
    table.add({ part: PART, figure: 'startup (before any job)', value: `${startup.length} messages`, note: `${configs} discovery configs, ${startup.length - configs} others` });
    table.add({ part: PART, figure: `messages per job (${n} jobs, one POST)`, value: (during.length / n).toFixed(1), note: `${during.length} in all: ${detail}` });
    table.add({
      part: PART,
      figure: 'messages per job, startup included',
      value: ((during.length + startup.length) / n).toFixed(1),
      note: `${n} jobs; without the discovery configs ${((during.length + startup.length - configs) / n).toFixed(1)}`,
    });
  } finally {
    await client.endAsync().catch(() => undefined);
    await app?.stop();
    await broker.close();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Broker churn (issue 8, "Prove it"): the real Mosquitto is stopped and started 10 times
 * (FAULTS_SCALE scales the count; FAULTS_SEED=<seed> replays the random pauses) while the real app
 * transcodes short lavfi clips with real ffmpeg on two workers, and jobs keep being created over REST
 * and, while the bridge is connected, over MQTT. Every stop lands while a job runs (the suite waits
 * for one, queueing more when the queue runs dry).
 *
 * It checks: REST answers while the broker is down; every job completes; and once the queue is idle,
 * every retained topic a late subscriber (Home Assistant after a restart) finds matches the REST API:
 * `<base>/status` online, `<base>/state` against GET /api/stats and /api/queue, `<base>/job/current`
 * idle like GET /api/queue, `<base>/encoder` the best HEVC encoder, and exactly one device's discovery
 * configs. Mosquitto runs without persistence, so everything found there was republished after the
 * last restart.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { type Broker, startBroker } from '../helpers/broker.js';
import { ClipFactory } from '../helpers/clips.js';
import { Prng } from '../helpers/faults-prng.js';
import { get, post, waitFor } from '../helpers/http.js';
import { ENTITY_COUNT, nodeOfTopic, Observer, type Seen, sleep } from '../integration/mqtt/harness.js';
import { FaultReport, scaled } from './report.js';

const BASE = 'shrinkray';

describe('faults: broker churn during transcodes', function () {
  this.timeout(240_000);
  const report = new FaultReport('broker churn');
  const rng = Prng.fromEnv();
  const clips = new ClipFactory();
  let broker: Broker;
  let t: TestApp;
  let ha: Observer;
  let files = 0;

  before(async () => {
    broker = await startBroker();
    t = await startTestApp({ overrides: { mqtt_url: broker.url, mqtt_state_interval_secs: 1, workers: 2 } });
    ha = await Observer.connect(broker.url, [`${BASE}/#`]);
    await ha.waitForLast(`${BASE}/status`, (p) => p === 'online', 'online', 15_000);
  });

  after(async () => {
    report.print();
    await ha?.end();
    await t?.dispose();
    await broker?.close();
    await clips.dispose();
  });

  /** A fresh copy of the clip in the media folder, queued over REST. */
  async function queueOverRest(n: number): Promise<void> {
    const clip = await clips.h264(3);
    const paths: string[] = [];
    for (let i = 0; i < n; i++) {
      files += 1;
      paths.push(await clips.copyTo(clip, join(t.media, `rest-${files}.mp4`)));
    }
    const res = await post(t.url, '/api/jobs', { paths, preset_id: 'compress-hevc' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }

  const stats = async () => (await get(t.url, '/api/stats')).body as Record<string, number>;
  const busy = (s: Record<string, number>) => (s.pending ?? 0) + (s.running ?? 0) > 0;

  it('jobs go on and complete through 10 broker restarts; afterwards every retained topic matches REST', async () => {
    const started = Date.now();
    const cycles = scaled(10);
    await queueOverRest(6);
    let mqttCreated = 0;
    for (let cycle = 1; cycle <= cycles; cycle++) {
      // Stop only while a job runs: queue more whenever the queue ran dry (also while waiting: the last
      // job may end between a look at the counts and a look at the running list).
      const running = await waitFor(
        async () => {
          if ((await get(t.url, '/api/queue')).body.running.length > 0) return true;
          if (!busy(await stats())) await queueOverRest(2);
          return undefined;
        },
        'a running job',
        30_000,
      ).catch(() => false);
      await broker.stop();
      report.count('broker stopped', running ? 'while a job ran' : 'FINDING: no job running');
      if (!running) report.finding(`cycle ${cycle}: no job was running when the broker stopped`);
      const down = rng.int(200, 900);
      const during = Date.now();
      const rest = await get(t.url, '/api/stats').catch((error: unknown) => ({ status: 0, body: String(error) }));
      report.count('REST while the broker is down', rest.status === 200 ? `answered (${Date.now() - during < 500 ? '< 500 ms' : 'slow'})` : 'FINDING: no answer');
      if (rest.status !== 200) report.finding(`cycle ${cycle}: GET /api/stats failed while the broker was down: ${rest.body}`);
      await sleep(Math.max(0, down - (Date.now() - during)));
      await broker.start();
      // Up for a while (sometimes shorter than the bridge's reconnect delay, sometimes longer).
      const up = rng.int(300, 2500);
      const mark = ha.messages.length;
      await sleep(up);
      const reconnected = ha.messages.slice(mark).some((m) => m.topic === `${BASE}/status` && m.payload === 'online');
      report.count('bridge back before the next stop', reconnected ? 'yes' : 'not yet');
      if (reconnected && ha.client.connected) {
        // A job created over MQTT while the broker is up; the answer may be lost to the next stop.
        files += 1;
        const path = await clips.copyTo(await clips.h264(3), join(t.media, `mqtt-${files}.mp4`));
        const tx = `churn-${cycle}`;
        const answer = ha.waitFor((m) => m.topic === `${BASE}/response/job/create` && m.payload.includes(tx), tx, 3000, ha.messages.length).then(
          (m: Seen) => (JSON.parse(m.payload).status === 'ok' ? 'ok' : 'error'),
          () => 'no answer (broker went away)',
        );
        void ha.publish(`${BASE}/request/job/create`, JSON.stringify({ paths: [path], preset_id: 'compress-hevc', transaction: tx })).catch(() => undefined);
        const outcome = await answer;
        if (outcome === 'ok') mqttCreated += 1;
        report.count('job/create over MQTT between stops', outcome === 'error' ? 'FINDING: error answer' : outcome);
        if (outcome === 'error') report.finding(`cycle ${cycle}: job/create over MQTT answered an error`);
      }
    }
    report.note(`seed ${rng.seed} (FAULTS_SEED=${rng.seed} replays the pauses), ${cycles} restarts in ${((Date.now() - started) / 1000).toFixed(1)} s, ${mqttCreated} jobs created over MQTT, FAULTS_SCALE=${process.env.FAULTS_SCALE ?? '1'}`);

    // Every job ends, and ends complete.
    await waitFor(async () => !busy(await stats()), 'the queue to drain', 120_000);
    const jobs = (await get(t.url, '/api/jobs')).body.jobs as { status: string; error?: string; input_path: string }[];
    for (const job of jobs) {
      report.count('jobs', job.status === 'complete' ? 'complete' : `FINDING: ${job.status}`);
      if (job.status !== 'complete') report.finding(`${job.input_path} ended ${job.status}: ${job.error ?? ''}`);
    }
    const completeEvents = ha.messages.filter((m) => m.topic === `${BASE}/event` && m.payload.includes('"job_complete"')).length;
    report.note(`${jobs.length} jobs; the watching client (itself cut off by every stop) saw ${completeEvents} job_complete events`);

    // Every retained topic against REST, as a late subscriber finds them (polled: the last state goes out on the next tick).
    let problems: string[] = [];
    const until = Date.now() + 20_000;
    do {
      problems = await compareRetainedWithRest();
      if (problems.length === 0) break;
      await sleep(500);
    } while (Date.now() < until);
    report.count('retained topics vs REST at the end', problems.length === 0 ? 'all match' : 'FINDING: mismatch');
    for (const p of problems) report.finding(p);
    report.note(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(report.findingCount, 0, 'findings (see the table)');
    assert.ok(jobs.length >= 6);
  });

  /** What differs between the retained topics (read by a fresh subscriber) and the REST API; empty when they agree. */
  async function compareRetainedWithRest(): Promise<string[]> {
    const late = await Observer.connect(broker.url, [`${BASE}/#`, 'homeassistant/+/+/+/config']);
    await sleep(400);
    await late.end();
    const retained = new Map(late.messages.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
    const [statsBody, queueBody, jobsBody] = await Promise.all([get(t.url, '/api/stats'), get(t.url, '/api/queue'), get(t.url, '/api/jobs')]).then((r) => r.map((x) => x.body));
    const problems: string[] = [];
    const parse = (topic: string): Record<string, unknown> | undefined => {
      const text = retained.get(`${BASE}/${topic}`);
      if (text === undefined) {
        problems.push(`${BASE}/${topic}: not retained`);
        return undefined;
      }
      return JSON.parse(text);
    };
    if (retained.get(`${BASE}/status`) !== 'online') problems.push(`${BASE}/status is ${retained.get(`${BASE}/status`)}`);
    const state = parse('state');
    if (state) {
      const expected: Record<string, unknown> = { ...statsBody, paused: queueBody.paused, workers: queueBody.workers, transcoding: statsBody.running > 0 };
      for (const [key, value] of Object.entries(expected)) {
        if (key in state && state[key] !== value) problems.push(`state.${key}: retained ${JSON.stringify(state[key])}, REST ${JSON.stringify(value)}`);
      }
      for (const key of ['pending', 'running', 'complete', 'failed', 'cancelled', 'skipped', 'total', 'session_saved', 'lifetime_saved', 'paused', 'workers']) {
        if (!(key in state)) problems.push(`state.${key} missing`);
      }
      const byStatus = (s: string) => (jobsBody.jobs as { status: string }[]).filter((j) => j.status === s).length;
      for (const s of ['pending', 'running', 'complete', 'failed']) if (state[s] !== byStatus(s)) problems.push(`state.${s} ${state[s]} but GET /api/jobs has ${byStatus(s)}`);
    }
    const current = parse('job/current');
    if (current) {
      const runningIds = queueBody.running as string[];
      if (current.running_jobs !== runningIds.length) problems.push(`job/current.running_jobs ${current.running_jobs}, REST running ${runningIds.length}`);
      if ((current.id ?? null) !== (runningIds[0] ?? null)) problems.push(`job/current.id ${current.id}, REST ${runningIds[0]}`);
    }
    const encoder = parse('encoder');
    if (encoder && encoder.best !== t.app.encoders.best('hevc').encoder) problems.push(`encoder.best ${encoder.best}, service ${t.app.encoders.best('hevc').encoder}`);
    const configs = [...retained].filter(([topic, payload]) => topic.endsWith('/config') && payload !== '');
    const nodes = new Set(configs.map(([topic]) => nodeOfTopic(topic)));
    if (configs.length !== ENTITY_COUNT || nodes.size !== 1) problems.push(`${configs.length} discovery configs on ${nodes.size} nodes, expected ${ENTITY_COUNT} on 1`);
    return problems;
  }
});

/**
 * Hostile MQTT commands (issue 8, "Prove it"): at least 200 generated commands from a seeded PRNG
 * (FAULTS_SEED=<seed> replays a run; FAULTS_SCALE scales the count) against a real app and a real
 * Mosquitto on loopback: malformed JSON, wrong types, huge payloads, traversal and paths outside the
 * roots, symlinks out, unicode and NUL bytes, unknown fields, bad ids, unknown commands, retained
 * commands, empty payloads, each at QoS 0, 1 or 2.
 *
 * Every command has an oracle: `error` (exactly one error answer on its response topic), `ignored`
 * (no answer and no effect: empty, retained, or a rejected switch/number value) or `ok` (unknown fields
 * on an otherwise valid request for an empty folder: answered ok, as REST does, and nothing queued).
 * The bridge runs commands one at a time in order, so after each command a marker request (a cancel of
 * a job that does not exist) is sent; everything answered before the marker's answer belongs to the
 * command. At the end, and again after a restart (when the bridge finds every retained command on
 * subscribe): the app answers REST, no job exists, the queue is neither paused nor resized,
 * Object.prototype is clean, and the trees of the media root and of a folder beside it are
 * byte-for-byte, mtime-for-mtime what they were.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { type Broker, startBroker } from '../helpers/broker.js';
import { ClipFactory } from '../helpers/clips.js';
import { Prng } from '../helpers/faults-prng.js';
import { diffTrees, snapshotTree, type TreeEntry } from '../helpers/faults-tree.js';
import { get, post } from '../helpers/http.js';
import { Observer } from '../integration/mqtt/harness.js';
import { FaultReport, scaled } from './report.js';

type Expect = 'error' | 'ignored' | 'ok';

interface Command {
  category: string;
  /** Below the base topic: `request/<action>` or `set/<name>`. */
  topic: string;
  payload: string | Buffer;
  retain?: boolean;
  expect: Expect;
}

interface Env {
  media: string;
  outside: string;
  movie: string;
}

const BASE = 'shrinkray';
const json = (value: unknown): string => JSON.stringify(value);
const ACTIONS = ['job/create', 'job/cancel', 'job/retry', 'job/remove', 'queue/clear', 'queue/clear_finished', 'queue/retry_failed', 'queue/pause', 'queue/resume', 'queue/workers', 'stats/reset_session'];
const ID_ACTIONS = ['job/cancel', 'job/retry', 'job/remove'];
const WRONG: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', ' ', 'x', [], [1], [null], {}, { $ne: null }, '\u0000', '💥', 'A'.repeat(20_000)];

/** Generators per category: each returns one command (with its oracle) from the PRNG. */
const GENERATORS: Record<string, (r: Prng, e: Env, n: number) => Command> = {
  'malformed-json': (r, _e, n) => {
    const payload = r.pick<string | Buffer>([
      '{',
      '{"paths": [',
      '{"transaction": "t", }',
      "{'single': 'quotes'}",
      'nul',
      'undefined',
      '{"a":1}}',
      `${'['.repeat(5000)}${']'.repeat(4999)}`,
      `{"transaction":"mj-${n}","x":${'['.repeat(100_000)}`,
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]),
      Buffer.from('{"transaction":"\xff\xfe"}', 'latin1'),
      '\u0000{}',
      '{"a": 01}',
      '{"a": NaN}',
    ]);
    return { category: 'malformed-json', topic: `request/${r.pick(ACTIONS)}`, payload, expect: 'error' };
  },
  'not-an-object': (r) => ({ category: 'not-an-object', topic: `request/${r.pick(ACTIONS)}`, payload: r.pick(['[]', '[{}]', '"{}"', '1', 'true', 'null', '"paths"']), expect: 'error' }),
  'wrong-types': (r, e, n) => {
    const tx = `wt-${n}`;
    const which = r.int(0, 4);
    if (which === 0) return { category: 'wrong-types', topic: 'request/job/create', payload: json({ paths: r.pick(WRONG.filter((v) => !Array.isArray(v) || v.length > 0)), preset_id: 'compress-hevc', transaction: tx }), expect: 'error' };
    if (which === 1) return { category: 'wrong-types', topic: 'request/job/create', payload: json({ paths: [e.movie], preset_id: r.pick(WRONG), transaction: tx }), expect: 'error' };
    if (which === 2) return { category: 'wrong-types', topic: `request/${r.pick(ID_ACTIONS)}`, payload: json({ id: r.pick(WRONG.filter((v) => typeof v !== 'string' || v.trim() === '')), transaction: tx }), expect: 'error' };
    if (which === 3) {
      if (r.chance(0.2)) return { category: 'wrong-types', topic: 'request/queue/workers', payload: `{"workers": ${r.pick(['1e999999', '-1e999999', '4e0000000001'])}, "transaction": "${tx}"}`, expect: 'error' };
      return { category: 'wrong-types', topic: 'request/queue/workers', payload: json({ workers: r.pick([...WRONG, 7, 0, 3.5, '3', -0.5, 2 ** 53]), transaction: tx }), expect: 'error' };
    }
    // (an empty or missing status is "every finished and pending job", as with REST: not wrong)
    return { category: 'wrong-types', topic: 'request/queue/clear', payload: json({ status: r.pick([...WRONG.filter((v) => v !== null && v !== ''), 'running', 'RUNNING', 'complete ', '__proto__']), transaction: tx }), expect: 'error' };
  },
  'huge-payload': (r, e, n) => {
    const which = r.int(0, 2);
    // over the 1 MiB cap: refused unread
    if (which === 0) return { category: 'huge-payload', topic: 'request/job/create', payload: json({ paths: [e.movie], preset_id: 'compress-hevc', pad: 'x'.repeat(1024 * 1024 + r.int(1, 4096)) }), expect: 'error' };
    if (which === 1) return { category: 'huge-payload', topic: `set/${r.pick(['paused', 'workers'])}`, payload: 'O'.repeat(2 * 1024 * 1024), expect: 'ignored' };
    // under the cap: thousands of paths outside the roots, all checked, all refused
    const paths = Array.from({ length: r.int(2000, 8000) }, (_, i) => (i % 2 ? `/etc/x${i}` : `${e.media}/../outside/f${i}.mkv`));
    return { category: 'huge-payload', topic: 'request/job/create', payload: json({ paths, preset_id: 'compress-hevc', transaction: `hp-${n}` }), expect: 'error' };
  },
  traversal: (r, e, n) => {
    const path = r.pick([
      `${e.media}/../outside/secret.mkv`,
      `${e.media}/..`,
      `${e.media}/./../outside`,
      `${e.media}//..//outside//secret.mkv`,
      `${e.media}/%2e%2e/outside/secret.mkv`,
      `${e.media}/..%2foutside`,
      `${e.media}\\..\\outside\\secret.mkv`,
      '../../../../etc/passwd',
      'media/../../etc/shadow',
      `${e.media}/sub/../../outside/sub/deep.mkv`,
    ]);
    return { category: 'traversal', topic: 'request/job/create', payload: json({ paths: [path], preset_id: 'compress-hevc', transaction: `tr-${n}` }), expect: 'error' };
  },
  'outside-roots': (r, e, n) => {
    const path = r.pick([e.outside, `${e.outside}/secret.mkv`, `${e.outside}/sub`, '/', '/etc', '/etc/passwd', '/proc/self/environ', '/dev/zero', tmpdir(), '/root', '']);
    const paths = r.chance(0.3) ? [e.movie, path] : [path];
    return { category: 'outside-roots', topic: 'request/job/create', payload: json({ paths, preset_id: 'compress-hevc', transaction: `or-${n}` }), expect: 'error' };
  },
  'symlink-out': (r, e, n) => {
    const path = r.pick([`${e.media}/link-out.mkv`, `${e.media}/dirlink`, `${e.media}/dirlink/deep.mkv`, `${e.media}/dangling.mkv`, `${e.media}/loop`]);
    return { category: 'symlink-out', topic: 'request/job/create', payload: json({ paths: [path], preset_id: r.pick(['compress-hevc', 'compress-av1', '720p']), transaction: `sl-${n}` }), expect: 'error' };
  },
  'unicode-nul': (r, e, n) => {
    const which = r.int(0, 2);
    const weird = r.pick([`${e.media}/movie.mp4\u0000.txt`, `${e.media}/\u0000../outside/secret.mkv`, `${e.media}/\u202Evkm.4pm`, `${e.media}/💥.mkv`, `${e.media}/\ud800.mkv`, `${e.media}/movie.mp4\u200B`, `${e.media}/MOVIE.MP4\uFEFF`]);
    if (which === 0) return { category: 'unicode-nul', topic: 'request/job/create', payload: json({ paths: [weird], preset_id: 'compress-hevc', transaction: `un-${n}` }), expect: 'error' };
    if (which === 1) return { category: 'unicode-nul', topic: 'request/job/create', payload: json({ paths: [e.movie], preset_id: `compress-hevc${r.pick(['\u0000', '\u200B', ' ', '💥'])}`, transaction: `un-${n}` }), expect: 'error' };
    return { category: 'unicode-nul', topic: `request/${r.pick(ID_ACTIONS)}`, payload: json({ id: r.pick(['\u0000', 'job\u0000-1', '💥', '\ud800', '\u202Eid']), transaction: `un-${n}` }), expect: 'error' };
  },
  'unknown-fields': (r, e, n) => {
    const extra = r.pick<Record<string, unknown>>([
      { output_path: '/etc/passwd' },
      { input_path: `${e.outside}/secret.mkv` },
      { delete_original: true, original_handling: 'replace' },
      { constructor: { prototype: { polluted: 1 } } },
      JSON.parse('{"__proto__": {"polluted": 1}}'),
      { $where: 'sleep(1000)' },
      { [`k${'y'.repeat(5000)}`]: 1 },
    ]);
    const which = r.int(0, 2);
    // Unknown fields are ignored (as REST does); an otherwise valid request for an empty folder queues nothing.
    if (which === 0) return { category: 'unknown-fields', topic: 'request/job/create', payload: json({ paths: [join(e.media, 'empty')], preset_id: 'compress-hevc', transaction: `uf-${n}`, ...extra }), expect: 'ok' };
    if (which === 1) return { category: 'unknown-fields', topic: 'request/job/create', payload: json({ paths: [`${e.outside}/secret.mkv`], preset_id: 'compress-hevc', transaction: `uf-${n}`, ...extra }), expect: 'error' };
    return { category: 'unknown-fields', topic: `request/${r.pick(ID_ACTIONS)}`, payload: json({ id: `nope-${n}`, transaction: `uf-${n}`, ...extra }), expect: 'error' };
  },
  'bad-ids': (r, _e, n) => {
    const id = r.pick(['nope', '../../etc/passwd', '*', '%', '1705432100000-1', '-1', 'job-1 ', ' job-1', 'A'.repeat(50_000), "' OR 1=1 --", '{"$ne":null}', 'constructor', '__proto__', 'toString']);
    return { category: 'bad-ids', topic: `request/${r.pick(ID_ACTIONS)}`, payload: json({ id, transaction: `bi-${n}` }), expect: 'error' };
  },
  'unknown-commands': (r, _e, n) => {
    const action = r.pick(['job/explode', 'job', 'job/', 'job/create/now', '../job/create', 'queue/../job/create', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'JOB/CREATE', 'job/create ', '💥', 'job//create', 'a/b/c/d/e/f/g/h']);
    return { category: 'unknown-commands', topic: `request/${action}`, payload: json({ transaction: `uc-${n}` }), expect: 'error' };
  },
  'bad-set-values': (r) => {
    const which = r.int(0, 1);
    if (which === 0) return { category: 'bad-set-values', topic: 'set/paused', payload: r.pick(['maybe', 'on!', '1', 'yes', '{"state":"ON"}', 'O\u0000N', 'ÖN']), expect: 'ignored' };
    if (r.chance(0.2)) return { category: 'bad-set-values', topic: `set/${r.pick(['speed', '__proto__', 'paused/extra', 'WORKERS'])}`, payload: '3', expect: 'ignored' };
    return { category: 'bad-set-values', topic: 'set/workers', payload: r.pick(['0', '7', '-1', '2.5', '1e3', 'abc', 'NaN', 'Infinity', '[3]', '"3"', '3\u0000', '0x3', '3e0', '0b11', Buffer.from([0x33, 0xff])]), expect: 'ignored' };
  },
  retained: (r, e, n) => {
    // Commands that WOULD run if they were not retained: queue a real video, pause, resize, clear.
    const which = r.int(0, 4);
    if (which === 0) return { category: 'retained', topic: 'request/job/create', payload: json({ paths: [e.movie], preset_id: 'compress-hevc', transaction: `rt-${n}` }), retain: true, expect: 'ignored' };
    if (which === 1) return { category: 'retained', topic: 'request/queue/pause', payload: json({ transaction: `rt-${n}` }), retain: true, expect: 'ignored' };
    if (which === 2) return { category: 'retained', topic: 'request/queue/workers', payload: json({ workers: 4, transaction: `rt-${n}` }), retain: true, expect: 'ignored' };
    if (which === 3) return { category: 'retained', topic: 'set/paused', payload: 'ON', retain: true, expect: 'ignored' };
    return { category: 'retained', topic: 'set/workers', payload: '5', retain: true, expect: 'ignored' };
  },
  'empty-payload': (r) => ({
    category: 'empty-payload',
    topic: r.chance(0.8) ? `request/${r.pick(ACTIONS)}` : `set/${r.pick(['paused', 'workers'])}`,
    payload: r.pick(['', ' ', '\n', '\t \r\n']),
    retain: r.chance(0.5), // an empty retained payload is how a retained command is cleared
    expect: 'ignored',
  }),
};

/** Relative weights: every category gets tries, the path-shaped ones a few more. */
const WEIGHTS: Record<string, number> = {
  'malformed-json': 3,
  'not-an-object': 1,
  'wrong-types': 3,
  'huge-payload': 1,
  traversal: 3,
  'outside-roots': 2,
  'symlink-out': 2,
  'unicode-nul': 2,
  'unknown-fields': 2,
  'bad-ids': 2,
  'unknown-commands': 2,
  'bad-set-values': 2,
  retained: 2,
  'empty-payload': 2,
};

describe('faults: hostile MQTT commands', function () {
  this.timeout(180_000);
  const report = new FaultReport('hostile MQTT commands');
  const rng = Prng.fromEnv();
  const clips = new ClipFactory();
  let broker: Broker;
  let t: TestApp;
  let attacker: Observer;
  let env: Env;
  let root: string;
  const trees = new Map<string, Map<string, TreeEntry>>();

  before(async () => {
    broker = await startBroker();
    root = await mkdtemp(join(tmpdir(), 'mqtt-hostile-'));
    const media = join(root, 'media');
    const outside = join(root, 'outside');
    await mkdir(join(media, 'empty'), { recursive: true });
    await mkdir(join(outside, 'sub'), { recursive: true });
    const clip = await clips.h264(1);
    const movie = await clips.copyTo(clip, join(media, 'movie.mp4'));
    await clips.copyTo(clip, join(outside, 'secret.mkv'));
    await clips.copyTo(clip, join(outside, 'sub', 'deep.mkv'));
    await writeFile(join(outside, 'notes.txt'), 'outside the media root\n');
    await symlink(join(outside, 'secret.mkv'), join(media, 'link-out.mkv'));
    await symlink(join(outside, 'sub'), join(media, 'dirlink'));
    await symlink('/nonexistent/file.mkv', join(media, 'dangling.mkv'));
    await symlink(join(media, 'loop'), join(media, 'loop'));
    env = { media, outside, movie };
    for (const dir of [media, outside]) trees.set(dir, await snapshotTree(dir));
    t = await startTestApp({ root, overrides: { mqtt_url: broker.url, mqtt_state_interval_secs: 1 } });
    attacker = await Observer.connect(broker.url, [`${BASE}/response/#`, `${BASE}/status`]);
    await attacker.waitForLast(`${BASE}/status`, (p) => p === 'online', 'online', 15_000);
  });

  after(async () => {
    report.print();
    await attacker?.end();
    await t?.dispose();
    await broker?.close();
    await clips.dispose();
    await rm(root, { recursive: true, force: true });
  });

  let markers = 0;
  /** Sends a marker request and resolves with the index of its answer in the attacker's messages. */
  async function marker(): Promise<number> {
    markers += 1;
    const tx = `marker-${markers}`;
    const answered = attacker.waitFor((m) => m.topic === `${BASE}/response/job/cancel` && m.payload.includes(`"${tx}"`), tx, 20_000, attacker.messages.length);
    await attacker.client.publishAsync(`${BASE}/request/job/cancel`, json({ id: tx, transaction: tx }), { qos: 1 });
    const seen = await answered;
    return attacker.messages.indexOf(seen);
  }

  /** The answers (response topics) between `from` and the marker's answer at `to`. */
  const answersBetween = (from: number, to: number) => attacker.messages.slice(from, to).filter((m) => m.topic.startsWith(`${BASE}/response/`));

  function judge(cmd: Command, answers: { topic: string; payload: string }[]): string {
    const action = cmd.topic.startsWith('request/') ? cmd.topic.slice('request/'.length) : undefined;
    if (cmd.expect === 'ignored') return answers.length === 0 ? 'ignored' : `FINDING: answered ${answers.length}x`;
    if (answers.length !== 1) return `FINDING: ${answers.length} answers`;
    const [answer] = answers;
    if (answer?.topic !== `${BASE}/response/${action}`) return `FINDING: answer on ${answer?.topic}`;
    let body: { status?: string; error?: unknown; code?: unknown };
    try {
      body = JSON.parse(answer.payload);
    } catch {
      return 'FINDING: answer is not JSON';
    }
    if (cmd.expect === 'ok') return body.status === 'ok' ? 'ok (nothing queued)' : `FINDING: ${String(body.error)}`;
    if (body.status !== 'error' || typeof body.error !== 'string' || typeof body.code !== 'string') return `FINDING: status ${body.status}`;
    if (body.code === 'internal_error') return 'FINDING: internal error';
    return `error answer (${body.code})`;
  }

  it('answers every hostile command with an error or ignores it; nothing runs, nothing outside the roots is touched', async () => {
    const started = Date.now();
    const count = scaled(240);
    const categories = Object.entries(WEIGHTS).flatMap(([c, w]) => Array<string>(w).fill(c));
    // every category at least once, then weighted picks
    const plan = [...Object.keys(GENERATORS), ...Array.from({ length: Math.max(0, count - Object.keys(GENERATORS).length) }, () => rng.pick(categories))];
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).join();
    const qosSeen = [0, 0, 0];
    for (const [n, category] of plan.entries()) {
      const generate = GENERATORS[category];
      if (!generate) throw new Error(category);
      const cmd = generate(rng, env, n);
      const qos = rng.pick([0, 1, 2] as const);
      qosSeen[qos] = (qosSeen[qos] ?? 0) + 1;
      const from = attacker.messages.length;
      await attacker.client.publishAsync(`${BASE}/${cmd.topic}`, cmd.payload, { qos, retain: cmd.retain === true });
      const to = await marker();
      let outcome = judge(cmd, answersBetween(from, to));
      if (cmd.expect === 'ignored' && outcome === 'ignored') {
        // No answer is not enough: a switch/number command or a retained one must not have run either.
        const queue = (await get(t.url, '/api/queue')).body;
        if (queue?.paused !== false || queue?.workers !== 1) {
          outcome = `FINDING: it ran (paused ${queue?.paused}, workers ${queue?.workers})`;
          await post(t.url, '/api/queue/resume');
          await post(t.url, '/api/queue/workers', { workers: 1 });
        }
      }
      report.count(cmd.category, outcome);
      if (outcome.startsWith('FINDING')) report.finding(`${cmd.category} #${n} ${cmd.topic} qos ${qos}${cmd.retain ? ' retained' : ''}: ${outcome} (payload ${String(cmd.payload).slice(0, 120)})`);
    }
    report.note(`seed ${rng.seed} (FAULTS_SEED=${rng.seed} replays this run), ${plan.length} hostile commands + ${markers} markers, QoS 0/1/2: ${qosSeen.join('/')}, FAULTS_SCALE=${process.env.FAULTS_SCALE ?? '1'}, ${((Date.now() - started) / 1000).toFixed(1)} s`);

    await checkAfter('after the commands', protoBefore);

    // A restart: the new bridge subscribes and gets every retained command left on the broker.
    const retainedLeft = attacker.messages.length;
    t = await t.restart();
    await attacker.waitFor((m) => m.topic === `${BASE}/status` && m.payload === 'online', 'online after the restart', 15_000, retainedLeft);
    const from = attacker.messages.length;
    const to = await marker();
    const late = answersBetween(from, to);
    report.count('retained, found on subscribe after a restart', late.length === 0 ? 'ignored' : `FINDING: answered ${late.length}x`);
    if (late.length > 0) report.finding(`after the restart the bridge answered ${late.length} retained commands`);
    await checkAfter('after the restart', protoBefore);
    assert.equal(report.findingCount, 0, 'findings (see the table)');
    assert.ok(plan.length >= 200 || process.env.FAULTS_SCALE !== undefined, `only ${plan.length} commands`);
  });

  async function checkAfter(when: string, protoBefore: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 500)); // background discovery of anything accepted
    const health = await get(t.url, '/api/health');
    const jobs = await get(t.url, '/api/jobs');
    const queue = await get(t.url, '/api/queue');
    const checks: [string, boolean, string][] = [
      ['the app answers REST', health.status === 200 && jobs.status === 200, `health ${health.status}`],
      ['no job was created', jobs.body?.jobs?.length === 0, `${jobs.body?.jobs?.length} jobs: ${JSON.stringify(jobs.body?.jobs?.map((j: { input_path: string }) => j.input_path))}`],
      ['the queue is not paused', queue.body?.paused === false, JSON.stringify(queue.body)],
      ['the worker count is unchanged', queue.body?.workers === 1, JSON.stringify(queue.body)],
      ['Object.prototype is clean', Object.getOwnPropertyNames(Object.prototype).join() === protoBefore && ({} as Record<string, unknown>).polluted === undefined, 'polluted'],
    ];
    for (const [dir, before] of trees) {
      const changes = diffTrees(before, await snapshotTree(dir));
      checks.push([`${dir === env.media ? 'media root' : 'folder beside it'} unchanged`, changes.length === 0, changes.slice(0, 5).join('; ')]);
    }
    for (const [what, ok, detail] of checks) {
      report.count(`check ${when}`, ok ? `${what}: yes` : `FINDING: ${what}: no`);
      if (!ok) report.finding(`${when}: ${what}: ${detail}`);
    }
  }
});

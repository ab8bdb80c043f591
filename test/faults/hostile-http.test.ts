/**
 * Hostile input over HTTP (issue 8, "Prove it"): at least 500 generated requests from a seeded PRNG
 * (FAULTS_SEED=<seed> replays a run; FAULTS_SCALE scales the count) against a real app on loopback,
 * first without a token, then restarted with `api_token` on the same folders.
 *
 * Every request has an oracle: `ok` (a valid request: 2xx), `refused` (4xx with a JSON
 * `{"error": string}` body) or `either` (OPTIONS/HEAD: 2xx or a JSON 4xx). Never a 5xx, never
 * silence. At the end: the app still answers, no job was queued, no 2xx answer showed anything from
 * outside the media root, the test process's Object.prototype is unpolluted, and the file tree
 * outside data/ and temp/ (media, the folders beside it, a second tree elsewhere, /etc/passwd) is
 * byte-for-byte, mtime-for-mtime what it was.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { type RawAnswer, sendBytes } from '../helpers/faults-http.js';
import { Prng } from '../helpers/faults-prng.js';
import { diffTrees, snapshotTree, type TreeEntry, under } from '../helpers/faults-tree.js';
import { variants } from '../helpers/path-variants.js';
import { FaultReport, scaled } from './report.js';

const TOKEN = 'hostile-0123456789abcdef';
/** A name that only a directory listing of the outside tree could reveal: no request ever names it. */
const SECRET_NAME = 'inner-Zq7xOUTSIDEONLY';

type Expect = 'ok' | 'refused' | 'either';

interface Case {
  category: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  expect: Expect;
  /** Behind the token guard when the route exists (everything but GET /api/health and GET /). */
  open?: boolean;
}

interface Env {
  /** The app runs with a token (the second half). */
  token: boolean;
  media: string;
  outside: string;
  elsewhere: string;
  neighbour: string;
}

const json = (value: unknown): string => JSON.stringify(value);
/** encodeURIComponent, except that a lone surrogate goes out as the bytes of one (%ED%A0%80) instead of throwing. */
const enc = (text: string): string => [...text].map((ch) => (/^[\ud800-\udfff]$/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');

// ---- value pools ---------------------------------------------------------------------------------

const LONG = 'A'.repeat(100_000);
const ANY_WRONG: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, '', 'x', '0', '1', 'true', [], [1], ['a'], {}, { $gt: '' }, LONG, '\u0000', '💥', '../../etc/passwd', '\ud800'];
const notBool = ANY_WRONG.filter((v) => typeof v !== 'boolean');
const notString = ANY_WRONG.filter((v) => typeof v !== 'string');
const wrongInt = (min: number, max: number, extra: (v: number) => boolean = () => false) =>
  [...ANY_WRONG, min - 1, max + 1, min + 0.5, -0, 2 ** 53, Number.MAX_VALUE].filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) && !(typeof v === 'number' && extra(v)));
const wrongEnum = (values: string[], caseFolds = false) =>
  [...ANY_WRONG, ...values.map((v) => `${v} `), ...values.map((v) => v.toUpperCase()), 'none', '__proto__'].filter(
    (v) => !(typeof v === 'string' && (values.includes(v) || (caseFolds && values.includes(v.toLowerCase())))),
  );

/** Every field PUT /api/config takes, with values of the wrong type or outside its range. */
const CONFIG_WRONG: Record<string, unknown[]> = {
  original_handling: wrongEnum(['replace', 'keep']),
  workers: wrongInt(1, 6),
  pushover_user_key: notString,
  pushover_app_token: notString,
  quality_hevc: wrongInt(15, 40, (v) => v === 0),
  quality_av1: wrongInt(20, 50, (v) => v === 0),
  schedule_enabled: notBool,
  schedule_start_hour: wrongInt(0, 23),
  schedule_end_hour: wrongInt(0, 23),
  output_format: wrongEnum(['mkv', 'mp4']),
  tonemap_hdr: notBool,
  tonemap_algorithm: wrongEnum(['hable', 'bt2390', 'reinhard', 'mobius', 'clip', 'linear', 'gamma']),
  max_concurrent_analyses: wrongInt(1, 3),
  allow_same_codec: notBool,
  keep_larger_files: notBool,
  log_level: wrongEnum(['debug', 'info', 'warn', 'error'], true),
  stall_timeout_secs: wrongInt(5, 86400),
  first_frame_timeout_secs: wrongInt(1, 3600),
  notify_on_complete: notBool,
};

/** Settings the API must never change (paths, programs, listeners, secrets), with hostile values. */
const lockedWrong = (e: Env): Record<string, unknown[]> => ({
  media_paths: [['/'], [e.outside], [e.media, e.outside], [`${e.media}/..`], '/'],
  temp_path: [e.outside, '/', `${e.media}/../outside`],
  ffmpeg_path: ['/bin/sh', `${e.outside}/secret.mkv`, 'sh -c "touch /tmp/pwned"'],
  ffprobe_path: ['/bin/sh', 'rm'],
  api_token: ['', 'x', null],
  api_port: [1, 65535],
  port: [1],
  host: ['0.0.0.0'],
  allowed_peers: [['127.0.0.1'], []],
  allowed_hosts: [['evil.example']],
  pushover_url: ['http://127.0.0.1:1/steal'],
  mqtt_url: ['mqtt://127.0.0.1:1'],
  mqtt_password: ['x'],
  supervisor_url: ['http://127.0.0.1:1'],
  supervisor_token: ['x'],
  public_url: ['http://evil.example'],
  log_format: ['pretty'],
  ['__proto__']: [{ api_token: '' }],
  constructor: [{ prototype: { polluted: 1 } }],
  not_a_setting: [1],
});

const JOB_WRONG: Record<string, unknown[]> = {
  paths: ANY_WRONG.filter((v) => !Array.isArray(v) || v.length === 0 || v.some((p) => typeof p !== 'string')).concat([[''], ['   '], [1, 2], [null], [['nested']], [{}]]),
  preset_id: [...notString, '', 'COMPRESS-HEVC', 'compress-hevc ', 'h266', 'smartshrink-hevc', '__proto__', 'constructor', '../x', '720P'],
  smartshrink_quality: [null, true, 0, 1, [], {}, 'best', 'GOOD', 'good ', LONG],
};

const WORKERS_WRONG = wrongInt(1, 6);

const MALFORMED: Array<Buffer | string> = [
  '{',
  '}',
  '{"paths": [',
  '{"paths": ["/x"], "preset_id": "compress-hevc"}}',
  '[1, 2',
  'nul',
  'undefined',
  "{'paths': ['/x']}",
  '{"paths": NaN}',
  '{"workers": Infinity}',
  '{"a": 1,}',
  '{"a" 1}',
  '{"a": "\\x41"}',
  '{"a": "\\u12"}',
  '{"a": 01}',
  '{"a": .5}',
  '{"a": +1}',
  '{"a": "line\nbreak"}',
  '/* comment */ {}',
  '{} {}',
  '\u0000{}',
  '<?xml version="1.0"?><paths/>',
  'paths=/etc/passwd&preset_id=compress-hevc',
  Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d]),
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b]),
  Buffer.from([0xc0, 0xae, 0xc0, 0xae, 0x2f]),
  `${'['.repeat(50_000)}${']'.repeat(49_999)}`,
];

/** The three JSON endpoints whose fields the suite attacks. */
const JSON_TARGETS: Array<[string, string]> = [
  ['POST', '/api/jobs'],
  ['PUT', '/api/config'],
  ['POST', '/api/queue/workers'],
];

/** Every route, with a request that is valid there (or `refused` where no valid request is cheap). */
const ROUTES: Array<{ method: string; path: string; body?: (e: Env) => string; expect: Expect; open?: boolean }> = [
  { method: 'GET', path: '/api/health', expect: 'ok', open: true },
  { method: 'GET', path: '/api/jobs', expect: 'ok' },
  { method: 'GET', path: '/api/stats', expect: 'ok' },
  { method: 'GET', path: '/api/queue', expect: 'ok' },
  { method: 'GET', path: '/api/config', expect: 'ok' },
  { method: 'GET', path: '/api/encoders', expect: 'ok' },
  { method: 'GET', path: '/api/presets', expect: 'ok' },
  { method: 'GET', path: '/api/browse', expect: 'ok' },
  { method: 'GET', path: '/api/jobs/stream', expect: 'ok' },
  { method: 'GET', path: '/api/browse/stream', expect: 'ok' },
  { method: 'PUT', path: '/api/config', body: () => '{}', expect: 'ok' },
  { method: 'POST', path: '/api/jobs', body: (e) => json({ paths: [join(e.media, 'empty')], preset_id: 'compress-hevc' }), expect: 'ok' },
  { method: 'POST', path: '/api/jobs/clear', expect: 'ok' },
  { method: 'POST', path: '/api/stats/reset-session', expect: 'ok' },
  { method: 'POST', path: '/api/cache/clear', expect: 'ok' },
  { method: 'POST', path: '/api/browse/reconcile', expect: 'ok' },
  { method: 'POST', path: '/api/queue/workers', body: () => json({ workers: 0 }), expect: 'refused' },
  { method: 'POST', path: '/api/pushover/test', expect: 'refused' },
  { method: 'GET', path: '/api/jobs/1705432100000-1', expect: 'refused' },
  { method: 'DELETE', path: '/api/jobs/1705432100000-1', expect: 'refused' },
  { method: 'POST', path: '/api/jobs/1705432100000-1/retry', expect: 'refused' },
  { method: 'POST', path: '/api/jobs/1705432100000-1/remove', expect: 'refused' },
];

// ---- generators ----------------------------------------------------------------------------------

type Generator = (r: Prng, e: Env) => Case;

const jsonHead = { 'content-type': 'application/json' };

const GENERATORS: Record<string, Generator> = {
  'malformed-json': (r) => {
    const [method, path] = r.pick(JSON_TARGETS);
    const headers: Record<string, string> = r.pick([jsonHead, {}, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }]);
    return { category: 'malformed-json', method, path, headers, body: r.pick(MALFORMED), expect: 'refused' };
  },
  'oversized-json': (r, e) => {
    const [method, path] = r.pick(JSON_TARGETS);
    const size = r.int(1024 * 1024 + 1, 2 * 1024 * 1024);
    const kind = r.int(0, 3);
    let body: string;
    if (kind === 0) body = json({ paths: [join(e.media, 'empty'), 'x'.repeat(size)], preset_id: 'compress-hevc' });
    else if (kind === 1) body = json({ paths: Array.from({ length: Math.ceil(size / join(e.media, 'empty').length) }, () => join(e.media, 'empty')), preset_id: 'compress-hevc' });
    else if (kind === 2) body = `{"workers": 1, "pad": "${'y'.repeat(size)}"}`;
    else body = 'z'.repeat(size);
    return { category: 'oversized-json', method, path, headers: jsonHead, body, expect: 'refused' };
  },
  'wrong-type': (r, e) => {
    const target = r.int(0, 2);
    if (target === 0) {
      const field = r.pick(Object.keys(JOB_WRONG));
      const body: Record<string, unknown> = { paths: [join(e.media, 'empty')], preset_id: 'compress-hevc', [field]: r.pick(JOB_WRONG[field] as unknown[]) };
      return { category: 'wrong-type', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json(body), expect: 'refused' };
    }
    if (target === 1) {
      const locked = lockedWrong(e);
      const fromLocked = r.chance(0.35);
      const pool = fromLocked ? locked : CONFIG_WRONG;
      const field = r.pick(Object.keys(pool));
      // JSON.stringify drops a `__proto__` key given as an object literal key; write it by hand.
      const body = `{${JSON.stringify(field)}: ${json(r.pick(pool[field] as unknown[]))}}`;
      return { category: fromLocked ? 'locked-setting' : 'wrong-type', method: 'PUT', path: '/api/config', headers: jsonHead, body, expect: 'refused' };
    }
    const body = r.chance(0.8) ? json({ workers: r.pick(WORKERS_WRONG) }) : r.pick(['2', '[2]', '"2"', 'null', '{"workers": {"workers": 2}}', '{"Workers": 2}']);
    return { category: 'wrong-type', method: 'POST', path: '/api/queue/workers', headers: jsonHead, body, expect: 'refused' };
  },
  'unknown-fields': (r, e) => {
    const extra = r.pick<Record<string, unknown>>([{ __proto__x: 1 }, { constructor: { prototype: { polluted: 1 } } }, { $where: 'sleep(1000)' }, { paths2: ['/etc'] }, { output_path: '/etc/passwd' }, { input_path: `${e.outside}/secret.mkv` }, { [LONG.slice(0, 5000)]: 1 }]);
    const which = r.int(0, 2);
    if (which === 0) {
      // Unknown fields are ignored (as upstream); the valid rest queues nothing (an empty folder).
      const body = `{"__proto__": {"polluted": 1}, ${json({ paths: [join(e.media, 'empty')], preset_id: 'compress-hevc', ...extra }).slice(1)}`;
      return { category: 'unknown-fields', method: 'POST', path: '/api/jobs', headers: jsonHead, body, expect: 'ok' };
    }
    if (which === 1) return { category: 'unknown-fields', method: 'PUT', path: '/api/config', headers: jsonHead, body: json(extra), expect: 'refused' };
    return { category: 'unknown-fields', method: 'POST', path: '/api/queue/workers', headers: jsonHead, body: json(extra), expect: 'refused' };
  },
  traversal: (r, e) => {
    const targets = [
      `${e.media}/../outside/secret.mkv`,
      `${e.media}/../outside`,
      `${e.media}/empty/../../outside/secret.mkv`,
      `${e.media}/./../outside`,
      `${e.media}/%2e%2e%2foutside/secret.mkv`,
      `${e.media}/..%2foutside`,
      `${e.media}/....//outside`,
      `${e.media}/..\\outside`,
      `${e.outside}/secret.mkv`,
      e.outside,
      `${e.elsewhere}/secret.mkv`,
      e.elsewhere,
      `${e.neighbour}/x.mkv`,
      e.neighbour,
      '/etc/passwd',
      '/etc',
      '/',
      '//etc/passwd',
      '/media/../etc/passwd',
      '/proc/self/environ',
      '../outside/secret.mkv',
      '..',
      'etc/passwd',
      '~/.ssh',
      `${e.media}/../data`,
      `${e.media}/../temp`,
    ];
    const target = r.pick(targets);
    const where = r.int(0, 3);
    if (where === 0) return { category: 'traversal', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json({ paths: r.chance(0.3) ? [join(e.media, 'empty'), target] : [target], preset_id: 'compress-hevc' }), expect: 'refused' };
    const q = r.pick([enc(target), target.replaceAll('/', '%2f'), target.replaceAll('.', '%2e'), enc(enc(target)), target]);
    const [method, path] = r.pick([
      ['GET', '/api/browse'],
      ['GET', '/api/browse/stream'],
      ['POST', '/api/browse/reconcile'],
    ] as const);
    // A double-encoded path reaches the handler still encoded: relative, refused the same way.
    return { category: 'traversal', method, path: `${path}?path=${q}`, expect: 'refused' };
  },
  'traversal-url': (r) => {
    const path = r.pick([
      '/api/../../../../etc/passwd',
      '/api/jobs/..%2f..%2f..%2fetc%2fpasswd',
      '/api/jobs/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/api/browse/..%2f..%2f',
      '/api/jobs/../../etc/passwd',
      '/api/%2e%2e/%2e%2e/etc/passwd',
      '/..%252f..%252fetc%252fpasswd',
      '/api/jobs/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
      '/static/../../../etc/passwd',
      '/api/browse%3fpath=/etc',
      '/api/jobs/....//....//etc/passwd',
    ]);
    return { category: 'traversal-url', method: r.pick(['GET', 'POST', 'DELETE']), path, expect: 'refused' };
  },
  'traversal-inside': (r, e) => {
    // `..` that stays inside the root is a valid request: the oracle must tell it apart.
    const target = r.pick([`${e.media}/empty/..`, `${e.media}/empty/../empty`, `${e.media}/./empty`, `${e.media}//empty`]);
    if (r.chance(0.5)) return { category: 'traversal-inside', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json({ paths: [target], preset_id: 'compress-hevc' }), expect: 'ok' };
    return { category: 'traversal-inside', method: 'GET', path: `/api/browse?path=${enc(target)}`, expect: 'ok' };
  },
  symlink: (r, e) => {
    const target = r.pick([
      join(e.media, 'link-file.mkv'),
      join(e.media, 'link-dir'),
      join(e.media, 'link-dir', 'secret.mkv'),
      join(e.media, 'link-dir', 'sub'),
      join(e.media, 'abs-link'),
      join(e.media, 'abs-link', 'passwd'),
      join(e.media, 'elsewhere-link'),
      join(e.media, 'elsewhere-link', 'secret.mkv'),
      join(e.media, 'empty', 'up-link'),
      join(e.media, 'empty', 'up-link', 'secret.mkv'),
      join(e.media, 'dangling.mkv'),
      join(e.media, 'link-dir', 'missing', 'x.mkv'),
    ]);
    const where = r.int(0, 2);
    if (where === 0) return { category: 'symlink', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json({ paths: [target], preset_id: r.pick(['compress-hevc', '720p']) }), expect: 'refused' };
    if (where === 1) return { category: 'symlink', method: 'GET', path: `/api/browse?path=${enc(target)}`, expect: 'refused' };
    return { category: 'symlink', method: r.pick(['GET', 'POST']), path: r.chance(0.5) ? `/api/browse/stream?path=${enc(target)}` : `/api/browse/reconcile?path=${enc(target)}&recursive=true`, expect: 'refused' };
  },
  'symlink-walk': (r, e) => {
    // Valid: the whole media root, which holds links out. Discovery must not follow them (checked
    // at the end: no job at all), and a listing must not show what lies behind them.
    if (r.chance(0.5)) return { category: 'symlink-walk', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json({ paths: [e.media], preset_id: r.pick(['compress-hevc', 'compress-av1', '1080p']) }), expect: 'ok' };
    return { category: 'symlink-walk', method: 'GET', path: r.pick([`/api/browse?path=${enc(e.media)}`, '/api/browse', '/api/browse?path=']), expect: 'ok' };
  },
  'unicode-nul': (r, e) => {
    const nulPaths = [`${e.media}/empty\u0000/../../outside`, `${e.outside}/secret.mkv\u0000.mkv`, `${e.media}\u0000`, '\u0000', `${e.media}/empty/\u0000`];
    const oddPaths = [`${e.media}/\u202eexcod.mkv`, `${e.media}/\ud800.mkv`, `${e.media}/e\u0301mpty`, `${e.media}/ＥＭＰＴＹ`, `${e.media}/empty\u2215..\u2215..\u2215outside`, `${e.media}/\uFEFFempty`, `${e.media}/💥/../../outside`];
    const kind = r.int(0, 4);
    if (kind === 0) return { category: 'unicode-nul', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json({ paths: [r.pick([...nulPaths, ...oddPaths])], preset_id: 'compress-hevc' }), expect: 'refused' };
    if (kind === 1) return { category: 'unicode-nul', method: 'GET', path: `/api/browse?path=${enc(r.pick([...nulPaths, ...oddPaths]))}`, expect: 'refused' };
    if (kind === 2) {
      // Raw bytes in the request line: NUL, a control character, a raw non-ASCII byte.
      const path = r.pick(['/api/jobs\u0000', '/api/jo\u0000bs', '/api/\u0007jobs', '/api/jobs/é', '/api/jobs\r', `/api/browse?path=${e.media}/empty\u0000`, '/api/jobs/%00', '/api/jobs/%ff%fe', '/api/%e2%80%ae']);
      return { category: 'unicode-nul', method: 'GET', path, expect: 'refused' };
    }
    if (kind === 3) {
      // JSON escapes for NUL and lone surrogates in every string field.
      const body = r.pick([
        '{"paths": ["\\u0000"], "preset_id": "compress-hevc"}',
        '{"paths": ["/\\ud800"], "preset_id": "compress-hevc"}',
        `{"paths": [${json(join(e.media, 'empty'))}], "preset_id": "compress-hevc\\u0000"}`,
        `{"paths": [${json(join(e.media, 'empty'))}], "preset_id": "compress\\u2010hevc"}`,
        '{"log_level": "debug\\u0000"}',
        '{"original_handling": "keep\\u0000"}',
        '{"pushover_user_key": 5, "x\\u0000": 1}',
      ]);
      const method = body.includes('paths') ? 'POST' : 'PUT';
      return { category: 'unicode-nul', method, path: method === 'POST' ? '/api/jobs' : '/api/config', headers: jsonHead, body, expect: 'refused' };
    }
    // A valid unicode folder is a valid request.
    const folder = join(e.media, 'ünïcødé 名前 🎬');
    if (r.chance(0.5)) return { category: 'unicode-valid', method: 'POST', path: '/api/jobs', headers: jsonHead, body: json({ paths: [folder], preset_id: 'compress-hevc' }), expect: 'ok' };
    return { category: 'unicode-valid', method: 'GET', path: `/api/browse?path=${enc(folder)}`, expect: 'ok' };
  },
  'bad-id': (r) => {
    const id = r.pick([
      '../x',
      '..%2Fx',
      '%2e%2e%2fx',
      '..',
      '.',
      'x'.repeat(2000),
      'x'.repeat(20_000),
      enc('ジョブ-💥'),
      '%00',
      '%ff',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      '1705432100000-1',
      '-1',
      '0',
      'null',
      'undefined',
      '%20',
      "1'%20OR%20'1'='1",
      '*',
      '$',
    ]);
    const [method, path] = r.pick([
      ['GET', `/api/jobs/${id}`],
      ['DELETE', `/api/jobs/${id}`],
      ['POST', `/api/jobs/${id}/retry`],
      ['POST', `/api/jobs/${id}/remove`],
    ] as const);
    return { category: 'bad-id', method, path, expect: 'refused' };
  },
  'empty-id': (r) => {
    const [method, path] = r.pick([
      ['GET', '/api/jobs/'],
      ['DELETE', '/api/jobs/'],
      ['POST', '/api/jobs//retry'],
      ['POST', '/api/jobs//remove'],
      ['DELETE', '/api/jobs'],
    ] as const);
    return { category: 'bad-id', method, path, expect: 'refused' };
  },
  'bad-method': (r, e) => {
    const route = r.pick(ROUTES);
    const method = r.pick(['TRACE', 'PROPFIND', 'PATCH', 'MKCOL', 'LOCK', 'UNLOCK', 'PURGE', 'SEARCH', 'COPY', 'MOVE', 'REPORT', 'LINK', 'FOO', 'get', 'G-ET', 'DELETE', 'PUT', 'POST']);
    const has = ROUTES.filter((x) => x.path === route.path).map((x) => x.method);
    if (has.includes(method)) return (GENERATORS['bad-method'] as Generator)(r, e);
    // (HEAD and OPTIONS, which may be 2xx, are the `options-head` generator's.)
    return { category: 'bad-method', method, path: route.path, expect: 'refused' };
  },
  'options-head': (r) => {
    const route = r.pick(ROUTES.filter((x) => !x.path.includes('stream')));
    const method = r.pick(['OPTIONS', 'HEAD']);
    return { category: 'options-head', method, path: route.path, expect: 'either', ...(route.open ? { open: true } : {}) };
  },
  'path-variant': (r, e) => {
    const route = r.pick(ROUTES);
    const all = variants(route.path);
    const path = r.pick(all);
    const canonical = path === route.path || path === `${route.path}?x=/api/health`;
    const body = route.body?.(e);
    return {
      category: canonical ? 'canonical' : 'path-variant',
      method: route.method,
      path,
      ...(body ? { headers: jsonHead, body } : {}),
      expect: canonical ? route.expect : 'refused',
      ...(canonical && route.open ? { open: true } : {}),
    };
  },
  'malformed-http': (r, e) => {
    const kind = r.int(0, 6);
    if (kind === 0) return { category: 'malformed-http', method: 'GET', path: '/api/jobs', headers: { 'x-big': 'h'.repeat(r.int(17_000, 40_000)) }, expect: 'refused' };
    if (kind === 1) return { category: 'malformed-http', method: 'POST', path: '/api/jobs', headers: { 'content-length': '5, 6' }, body: '{}', expect: 'refused' };
    if (kind === 2) return { category: 'malformed-http', method: 'POST', path: '/api/jobs', headers: { 'transfer-encoding': 'chunked', 'content-length': '' }, body: 'zz\r\n{}\r\n0\r\n\r\n', expect: 'refused' };
    if (kind === 3) return { category: 'malformed-http', method: 'GET', path: '/api/jobs', headers: { 'bad header': 'x' }, expect: 'refused' };
    if (kind === 4) return { category: 'malformed-http', method: 'GET', path: 'api/jobs', expect: 'refused' };
    if (kind === 5) {
      // Without a token only expected host names are served (D21, DNS rebinding); with one, any.
      if (e.token) return { category: 'malformed-http', method: 'GET', path: '/api/jobs', headers: { 'content-length': '0', 'transfer-encoding': 'chunked' }, expect: 'refused' };
      const host = r.pick(['evil.example', 'evil.example:80', '127.0.0.1.evil.example', 'localhost.evil.example', ' ']);
      return { category: 'bad-host', method: 'GET', path: r.pick(['/api/jobs', 'http://evil.example/api/jobs']), headers: { host }, expect: 'refused' };
    }
    return { category: 'malformed-http', method: 'POST', path: '/api/jobs', headers: { 'content-length': '-1' }, body: '{}', expect: 'refused' };
  },
};

/** How often each generator runs, out of the total. */
const WEIGHTS: Record<string, number> = {
  'malformed-json': 6,
  'oversized-json': 1,
  'wrong-type': 14,
  'unknown-fields': 4,
  traversal: 9,
  'traversal-url': 3,
  'traversal-inside': 2,
  symlink: 8,
  'symlink-walk': 2,
  'unicode-nul': 6,
  'bad-id': 6,
  'empty-id': 1.5,
  'bad-method': 6,
  'options-head': 2,
  'path-variant': 14,
  'malformed-http': 2,
};

function generate(r: Prng, e: Env): Case {
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  let x = r.next() * total;
  for (const [name, w] of Object.entries(WEIGHTS)) {
    x -= w;
    if (x < 0) return (GENERATORS[name] as Generator)(r, e);
  }
  return (GENERATORS['wrong-type'] as Generator)(r, e);
}

type TokenMode = 'none' | 'right' | 'wrong' | 'query' | 'lower-scheme' | 'basic';

function withToken(c: Case, mode: TokenMode): Case {
  const headers = { ...c.headers };
  let path = c.path;
  if (mode === 'right') headers.authorization = `Bearer ${TOKEN}`;
  else if (mode === 'lower-scheme') headers.authorization = `bearer ${TOKEN}`;
  else if (mode === 'wrong') headers.authorization = `Bearer ${TOKEN.slice(0, -1)}`;
  else if (mode === 'basic') headers.authorization = `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`;
  else if (mode === 'query') path += `${path.includes('?') ? '&' : '?'}token=${TOKEN}`;
  const authorised = mode === 'right' || mode === 'lower-scheme' || mode === 'query';
  // Without the token a valid guarded request is refused; an invalid one stays refused.
  const expect = authorised || c.open || c.expect === 'refused' ? c.expect : c.method === 'OPTIONS' ? 'either' : 'refused';
  return { ...c, headers, path, expect, category: c.category };
}

// ---- the suite -----------------------------------------------------------------------------------

describe('faults: hostile HTTP input', function () {
  this.timeout(180_000);
  const report = new FaultReport('hostile-http');
  const rng = Prng.fromEnv();
  const clips = new ClipFactory();
  const total = Math.max(scaled(520), 20);
  let root: string;
  let env: Env;
  let t: TestApp | undefined;
  let snap: { tree: Map<string, TreeEntry>; elsewhere: Map<string, TreeEntry>; etc: Map<string, TreeEntry> };
  const failures: string[] = [];
  const okBodies: Array<{ what: string; body: string }> = [];
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
  let queueAttempts = 0;

  before(async () => {
    report.note(`seed ${rng.seed} (FAULTS_SEED=${rng.seed} replays this run), ${total} generated requests, FAULTS_SCALE=${process.env.FAULTS_SCALE ?? '1'}`);
    root = await mkdtemp(join(tmpdir(), 'shrinkray-faults-http-'));
    const media = join(root, 'media');
    const outside = join(root, 'outside');
    const neighbour = join(root, 'media-evil');
    const elsewhere = await mkdtemp(join(tmpdir(), 'shrinkray-faults-elsewhere-'));
    env = { token: false, media, outside, elsewhere, neighbour };
    const video = await clips.h264(1);
    for (const dir of [media, join(media, 'empty'), join(media, 'ünïcødé 名前 🎬'), outside, join(outside, 'sub'), neighbour]) await mkdir(dir, { recursive: true });
    await clips.copyTo(video, join(outside, 'secret.mkv'));
    await clips.copyTo(video, join(neighbour, 'x.mkv'));
    await clips.copyTo(video, join(elsewhere, 'secret.mkv'));
    await writeFile(join(outside, 'notes.txt'), 'outside the media root\n');
    await writeFile(join(outside, 'sub', `${SECRET_NAME}.mkv`), Buffer.alloc(4096, 7));
    await writeFile(join(elsewhere, `${SECRET_NAME}.txt`), 'elsewhere\n');
    await writeFile(join(media, 'readme.txt'), 'not a video\n');
    await symlink(join(outside, 'secret.mkv'), join(media, 'link-file.mkv'));
    await symlink('../outside', join(media, 'link-dir'));
    await symlink('/etc', join(media, 'abs-link'));
    await symlink(elsewhere, join(media, 'elsewhere-link'));
    await symlink('../..', join(media, 'empty', 'up-link'));
    await symlink(join(outside, 'nothing-here.mkv'), join(media, 'dangling.mkv'));
    const skipRuntime = (rel: string) => under(rel, 'data') || under(rel, 'temp');
    snap = {
      tree: await snapshotTree(root, skipRuntime),
      elsewhere: await snapshotTree(elsewhere),
      etc: new Map(
        await Promise.all(
          ['/etc/passwd', '/etc/hostname', '/etc/hosts'].map(async (p): Promise<[string, TreeEntry]> => {
            const s = await stat(p).catch(() => undefined);
            return [p, { type: 'file', size: s?.size ?? -1, mtimeMs: s?.mtimeMs ?? -1, mode: s?.mode ?? 0, hash: '' }];
          }),
        ),
      ),
    };
  });

  after(async () => {
    report.print();
    await t?.dispose().catch(() => undefined);
    if (root) await rm(root, { recursive: true, force: true });
    if (env?.elsewhere) await rm(env.elsewhere, { recursive: true, force: true });
    await clips.dispose();
  });

  const fail = (line: string) => {
    failures.push(line);
    report.finding(line.length > 400 ? `${line.slice(0, 400)}…` : line);
  };

  /** Sends one case and checks it against its oracle; every problem is recorded, none thrown. */
  async function run(base: string, c: Case, phase: string): Promise<void> {
    let res: RawAnswer;
    const what = `[${phase}] ${c.category}: ${c.method} ${c.path.length > 160 ? `${c.path.slice(0, 160)}…(${c.path.length})` : c.path}${c.body !== undefined ? ` body=${(typeof c.body === 'string' ? c.body : c.body.toString('latin1')).slice(0, 120)}${(c.body.length ?? 0) > 120 ? `…(${c.body.length})` : ''}` : ''}`;
    if (c.method === 'POST' && c.path.startsWith('/api/jobs') && !c.path.includes('/api/jobs/')) queueAttempts += 1;
    try {
      res = await sendBytes(base, c.method, c.path, c.headers, c.body ?? '', 5000);
    } catch (error) {
      report.count(c.category, 'no answer (FAIL)');
      fail(`${what} → ${(error as Error).message}`);
      return;
    }
    const problems: string[] = [];
    const s = res.status;
    if (s >= 500 || s < 200) problems.push(`status ${s}`);
    else if (c.expect === 'ok' && (s < 200 || s >= 300)) problems.push(`valid request answered ${s}`);
    else if (c.expect === 'refused' && (s < 400 || s >= 500)) problems.push(`invalid request answered ${s}`);
    if (s >= 400 && c.method === 'HEAD') {
      // A HEAD answer has no body by definition: only its type can say JSON.
      if (!/application\/json/.test(res.headers['content-type'] ?? '')) problems.push(`error content-type ${res.headers['content-type']}`);
    } else if (s >= 400) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        problems.push(`error body is not JSON (${res.headers['content-type']}): ${res.body.slice(0, 120)}`);
      }
      if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || typeof (parsed as { error?: unknown }).error !== 'string')) {
        problems.push(`error body has no string "error": ${res.body.slice(0, 120)}`);
      }
      if (!/application\/json/.test(res.headers['content-type'] ?? '')) problems.push(`error content-type ${res.headers['content-type']}`);
    } else if (!res.stream) okBodies.push({ what, body: res.body });
    const outcome = `${s >= 200 && s < 300 ? '2xx' : s}${problems.length > 0 ? ' (FAIL)' : ''}`;
    report.count(c.category, outcome);
    if (problems.length > 0) fail(`${what} → ${s} ${res.body.slice(0, 160)}: ${problems.join('; ')}`);
  }

  async function phase(name: string, base: string, count: number, token: boolean): Promise<void> {
    for (let i = 0; i < count; i++) {
      let c = generate(rng, env);
      if (token) c = withToken(c, rng.pick<TokenMode>(['right', 'right', 'right', 'none', 'wrong', 'query', 'lower-scheme', 'basic']));
      else if (rng.chance(0.1)) c = { ...c, headers: { ...c.headers, authorization: `Bearer ${TOKEN}` } }; // ignored without a token
      await run(base, c, name);
    }
  }

  async function stillServes(base: string, token: boolean): Promise<void> {
    const auth = token ? { authorization: `Bearer ${TOKEN}` } : {};
    const health = await sendBytes(base, 'GET', '/api/health');
    assert.equal(health.status, 200, `GET /api/health after the storm: ${health.status} ${health.body}`);
    const jobs = await sendBytes(base, 'GET', '/api/jobs', auth);
    assert.equal(jobs.status, 200, `GET /api/jobs after the storm: ${jobs.status} ${jobs.body}`);
    const cfg = await sendBytes(base, 'PUT', '/api/config', { ...auth, ...jsonHead }, '{}');
    assert.equal(cfg.status, 200, `PUT /api/config {} after the storm: ${cfg.status} ${cfg.body}`);
    const browse = await sendBytes(base, 'GET', `/api/browse?path=${enc(env.media)}`, auth);
    assert.equal(browse.status, 200, `browse after the storm: ${browse.status} ${browse.body}`);
    if (token) {
      const bare = await sendBytes(base, 'GET', '/api/jobs');
      assert.equal(bare.status, 401, 'the token is still required after the storm');
    }
  }

  it(`answers ${total} generated hostile requests with 4xx (2xx only when valid), never 5xx or silence, and touches nothing`, async () => {
    const started = Date.now();
    const half = Math.floor(total / 2);
    t = await startTestApp({ root });
    await phase('no token', t.url, half, false);
    await t.app.service.idle();
    await stillServes(t.url, false);
    t = await t.restart({ api_token: TOKEN });
    env.token = true;
    await phase('token', t.url, total - half, true);
    await t.app.service.idle();
    await stillServes(t.url, true);
    const tried = report.total();
    report.note(`${tried} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ${queueAttempts} POSTs to /api/jobs`);

    // No job was queued: every request for a file was refused, every valid one named an empty folder
    // or the media root, whose only "videos" are links out of it.
    const jobs = JSON.parse((await sendBytes(t.url, 'GET', '/api/jobs', { authorization: `Bearer ${TOKEN}` })).body).jobs as Array<{ input_path: string; status: string }>;
    report.count('end state', jobs.length === 0 ? 'no job queued' : 'JOBS QUEUED (FAIL)');
    if (jobs.length > 0) fail(`jobs were queued: ${jobs.map((j) => `${j.input_path} (${j.status})`).join(', ')}`);

    // Nothing from behind a link out of the root (or anywhere outside it) showed in a 2xx answer.
    const leaks = okBodies.filter((b) => b.body.includes(SECRET_NAME) || b.body.includes('secret.mkv') || b.body.includes('root:x:0'));
    report.count('end state', leaks.length === 0 ? 'no outside name in a 2xx body' : 'LEAK (FAIL)', Math.max(1, leaks.length));
    for (const l of leaks) fail(`2xx answer shows something outside the media root: ${l.what} → ${l.body.slice(0, 200)}`);

    // The app runs in this process: a prototype-pollution payload would show here.
    const protoAfter = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
    const polluted = protoAfter !== protoBefore || ({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).api_token !== undefined;
    report.count('end state', polluted ? 'PROTOTYPE POLLUTED (FAIL)' : 'Object.prototype clean');
    if (polluted) fail(`Object.prototype changed: ${protoAfter}`);

    await t.stop();
    const skipRuntime = (rel: string) => under(rel, 'data') || under(rel, 'temp');
    const changes = [
      ...diffTrees(snap.tree, await snapshotTree(root, skipRuntime)).map((d) => `test root: ${d}`),
      ...diffTrees(snap.elsewhere, await snapshotTree(env.elsewhere)).map((d) => `second tree: ${d}`),
    ];
    for (const [p, was] of snap.etc) {
      const s = await stat(p).catch(() => undefined);
      if ((s?.size ?? -1) !== was.size || (s?.mtimeMs ?? -1) !== was.mtimeMs) changes.push(`${p} changed`);
    }
    report.count('end state', changes.length === 0 ? `file trees unchanged (${snap.tree.size + snap.elsewhere.size} entries + /etc)` : 'FILES CHANGED (FAIL)', Math.max(1, changes.length));
    for (const c of changes) fail(`outside data/ and temp/: ${c}`);

    assert.ok(tried >= Math.min(500, total), `tried ${tried} requests`);
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} problems (first 40 shown); seed ${rng.seed}`);
  });
});

/**
 * Two hostile requests found by the generated run that fail on today's code. They are kept out of
 * the generator (whose result would then depend on the seed) and tried here, every run.
 */
describe('faults: hostile HTTP input, fixed cases', function () {
  this.timeout(60_000);
  const report = new FaultReport('hostile-http (fixed cases)');
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    report.print();
    await t?.dispose();
  });

  // Regression (found by this suite, fixed): a body *declared* larger than 1 MiB is read until the client sends it all: readJson
  // (src/api/body.ts) only counts bytes as they arrive and never looks at Content-Length, so a
  // client that declares 10 GiB and sends 1 KiB holds a connection and a handler open until Node's
  // requestTimeout (300 s). Reproduce: `printf 'POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n
  // Content-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{"pad":"qq' | nc 127.0.0.1 8080`
  // → no answer. Expected: 413 `{"error": ...}` at once (refuse when Content-Length > 1 MiB).
  it('refuses a JSON body declared larger than 1 MiB at once, without waiting for it', async () => {
    for (const [method, path] of JSON_TARGETS) {
      for (const declared of [1024 * 1024 + 1, 10 * 1024 ** 3]) {
        const res = await sendBytes(t.url, method, path, { ...jsonHead, 'content-length': String(declared) }, `{"pad": "${'q'.repeat(1000)}`, 3000).catch((error: Error) => error);
        const outcome = res instanceof Error ? 'no answer within 3 s' : String(res.status);
        report.count('oversized-declared', outcome);
        assert.ok(!(res instanceof Error), `${method} ${path} declaring ${declared} bytes: ${res instanceof Error ? res.message : ''}`);
        assert.equal(res.status, 413, `${method} ${path} declaring ${declared} bytes`);
        assert.equal(typeof JSON.parse(res.body).error, 'string');
      }
    }
  });

  // Regression (found by this suite, fixed): CONNECT gets no answer at all: Node's http.Server drops the socket when nobody listens
  // for its 'connect' event (src/api/listen.ts answers 'clientError' as JSON but not 'connect'), so
  // the "every error is JSON" promise (D21) has a hole. Reproduce: `curl -sv -X CONNECT
  // http://127.0.0.1:8080/api/health` → "Empty reply from server". Expected: a JSON 4xx (405/400).
  it('answers CONNECT with a JSON 4xx instead of dropping the connection', async () => {
    for (const path of ['/api/health', '/api/jobs', '127.0.0.1:80']) {
      const res = await sendBytes(t.url, 'CONNECT', path, {}, '', 3000).catch((error: Error) => error);
      report.count('connect', res instanceof Error ? 'dropped without an answer' : String(res.status));
      assert.ok(!(res instanceof Error), `CONNECT ${path}: ${res instanceof Error ? res.message : ''}`);
      assert.ok(res.status >= 400 && res.status < 500, `CONNECT ${path}: ${res.status}`);
      assert.equal(typeof JSON.parse(res.body).error, 'string');
    }
    // The server is still fine afterwards.
    assert.equal((await sendBytes(t.url, 'GET', '/api/health')).status, 200);
  });

  // Regression (found by this suite, fixed): an HTTP/1.1 request without a Host header gets Node's own bare `400 Bad Request` (no
  // body, no Content-Type): Node's http.Server checks `requireHostHeader` before the app runs and
  // never emits 'clientError' for it (src/api/listen.ts). Reproduce: `printf 'GET /api/jobs
  // HTTP/1.1\r\nConnection: close\r\n\r\n' | nc 127.0.0.1 8080` → `400`, empty chunked body.
  // Expected: a JSON `{"error": ...}` 4xx like every other refusal (e.g. createServer with
  // `requireHostHeader: false`, leaving the host check to the app, which answers JSON 403/400).
  it('answers an HTTP/1.1 request without a Host header with a JSON 4xx', async () => {
    for (const [method, path] of [
      ['GET', '/api/jobs'],
      ['GET', '/api/health'],
      ['POST', '/api/jobs'],
    ] as const) {
      const res = await sendBytes(t.url, method, path, { host: '' }, '', 3000);
      report.count('no-host-header', `${res.status} ${res.headers['content-type'] ?? '(no content-type)'}`);
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} without Host: ${res.status}`);
      assert.match(res.headers['content-type'] ?? '', /application\/json/, `${method} ${path} without Host: ${JSON.stringify(res.headers)} ${JSON.stringify(res.body)}`);
      assert.equal(typeof JSON.parse(res.body).error, 'string');
    }
  });
});

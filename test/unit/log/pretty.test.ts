import assert from 'node:assert/strict';
import { formatError, localTime, MAX_VALUE, prettyDestination, prettyLine } from '../../../src/log/pretty.js';
import { createLogger, type LogFormat } from '../../../src/log.js';

/** A logger at `debug` whose output is collected line by line. */
function capture(format: LogFormat) {
  const lines: string[] = [];
  let buffer = '';
  const sink = {
    write(text: string) {
      buffer += text;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
      return true;
    },
  };
  const log = createLogger('debug', sink, format);
  return { log, lines };
}

const STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /;

describe('log format: pretty (the add-on Log tab)', () => {
  it('each level gives one documented line: local time, padded level, message, fields', () => {
    const { log, lines } = capture('pretty');
    log.debug({ job: 'j-1' }, 'running ffmpeg');
    log.info({ paths: ['/media/TV'], found: 3, added: 3 }, 'jobs added');
    log.warn({ reason: 'Service not enabled', retry_secs: 30 }, 'no MQTT broker yet');
    log.error({ path: '/media/My Movie.mkv' }, 'job failed');
    log.fatal('cannot start');
    assert.equal(lines.length, 5);
    for (const line of lines) assert.match(line, STAMP);
    const rest = lines.map((l) => l.replace(STAMP, ''));
    assert.deepEqual(rest, [
      'DEBUG running ffmpeg job=j-1',
      'INFO  jobs added paths=["/media/TV"] found=3 added=3',
      'WARN  no MQTT broker yet reason="Service not enabled" retry_secs=30',
      'ERROR job failed path="/media/My Movie.mkv"',
      'FATAL cannot start',
    ]);
    // pid, hostname and name are not repeated on every line
    for (const line of lines) assert.doesNotMatch(line, /pid=|hostname=|name=/);
  });

  it('an error is shown with its cause chain, on the same line, without a stack', () => {
    const { log, lines } = capture('pretty');
    const root = new Error('ENOSPC: no space left on device');
    const middle = new Error('cannot write the output', { cause: root });
    const top = new TypeError('job processor threw', { cause: middle });
    log.error({ err: top, job: 'j-7' }, 'job failed');
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0]?.replace(STAMP, ''),
      'ERROR job failed job=j-7 | TypeError: job processor threw | caused by: Error: cannot write the output | caused by: Error: ENOSPC: no space left on device',
    );
    assert.doesNotMatch(lines[0] ?? '', /\n| {4}at /);
  });

  it('a string err (a message only) is shown the same way', () => {
    const { log, lines } = capture('pretty');
    log.warn({ err: 'retry refused' }, 'retry of a failed job refused');
    assert.equal(lines[0]?.replace(STAMP, ''), 'WARN  retry of a failed job refused | retry refused');
  });

  it('keeps one line per event: line breaks are escaped, long values are cut', () => {
    const line = prettyLine(JSON.stringify({ level: 30, time: '2026-01-16T10:05:00.123Z', msg: 'two\nlines', args: ['x'.repeat(1000)], note: 'tab\there' }));
    assert.equal(line.split('\n').length, 1);
    assert.match(line, / two\\nlines /);
    assert.match(line, /note="tab\\there"/);
    assert.ok(line.includes(`…(+${JSON.stringify(['x'.repeat(1000)]).length - MAX_VALUE} chars)`), line);
    assert.ok(line.startsWith(`${localTime(new Date('2026-01-16T10:05:00.123Z'))} INFO  two`), line);
  });

  it('prints the time in local time as YYYY-MM-DD HH:MM:SS.mmm', () => {
    const d = new Date(2026, 0, 2, 3, 4, 5, 67);
    assert.equal(localTime(d), '2026-01-02 03:04:05.067');
  });

  it('passes lines that are not JSON through, and splits several lines in one write', () => {
    const out: string[] = [];
    const dest = prettyDestination({ write: (t: string) => out.push(t) });
    dest.write('not json\n{"level":40,"time":"2026-01-16T10:05:00.000Z","msg":"b"}\n');
    assert.equal(out.length, 2);
    assert.equal(out[0], 'not json\n');
    assert.match(out[1] ?? '', /WARN {2}b\n$/);
    assert.equal(formatError({ type: 'Error', message: 'a', cause: 'plain reason' }), 'Error: a | caused by: plain reason');
  });

  it('json stays pino JSON for npm start users (the default)', () => {
    const { log, lines } = capture('json');
    log.error({ err: new Error('outer', { cause: new Error('inner') }), job: 'j-1' }, 'job failed');
    const event = JSON.parse(lines[0] ?? '{}');
    assert.equal(event.msg, 'job failed');
    assert.equal(event.level, 50);
    assert.equal(event.job, 'j-1');
    assert.match(event.err.stack, /outer/);
    assert.match(event.err.message, /outer/);
  });
});

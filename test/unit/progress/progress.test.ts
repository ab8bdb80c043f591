import assert from 'node:assert/strict';
import { formatEta, ProgressParser } from '../../../src/ffmpeg/progress.js';
import { formatBytes } from '../../../src/util/format.js';

const block = (fields: Record<string, string>, end = false) => [...Object.entries(fields).map(([k, v]) => `${k}=${v}`), `progress=${end ? 'end' : 'continue'}`];

describe('progress parsing (upstream §5.11)', () => {
  it('percent from out_time, ETA from speed', () => {
    const p = new ProgressParser({ durationMs: 100_000, frameRate: 25 });
    let last: ReturnType<ProgressParser["push"]>;
    for (const line of block({ frame: '250', out_time_us: '10000000', speed: '2.5x', bitrate: '100kbits/s' })) last = p.push(line) ?? last;
    assert.deepEqual(last, { progress: 10, speed: 2.5, eta: '36s', frame: 250, done: false });
  });

  it('keeps values through N/A and ends at 100', () => {
    const p = new ProgressParser({ durationMs: 10_000, frameRate: 10 });
    for (const line of block({ frame: '50', out_time_us: '5000000', speed: '1x' })) p.push(line);
    let last: ReturnType<ProgressParser["push"]>;
    for (const line of block({ frame: '60', out_time_us: 'N/A', speed: 'N/A' })) last = p.push(line) ?? last;
    assert.equal(last?.progress, 50);
    assert.equal(last?.speed, 1);
    for (const line of block({ frame: '100' }, true)) last = p.push(line) ?? last;
    assert.deepEqual([last?.progress, last?.eta, last?.done], [100, '0s', true]);
  });

  it('recomputes speed and ETA from frames every block when ffmpeg reports none (VAAPI)', () => {
    let now = 0;
    const p = new ProgressParser({ durationMs: 100_000, frameRate: 10, now: () => now });
    now = 10_000;
    let u = block({ frame: '100', speed: 'N/A', out_time_us: 'N/A' }).map((l) => p.push(l)).at(-1);
    assert.deepEqual([u?.progress, u?.speed, u?.eta], [10, 1, '1m 30s']);
    now = 20_000;
    u = block({ frame: '400', speed: 'N/A' }).map((l) => p.push(l)).at(-1);
    assert.deepEqual([u?.progress, u?.speed, u?.eta], [40, 2, '30s']);
  });

  it('ignores lines that are not key=value', () => {
    const p = new ProgressParser({ durationMs: 1000, frameRate: 1 });
    assert.equal(p.push('garbage'), undefined);
    assert.equal(p.push('=x'), undefined);
  });
});

describe('formatting', () => {
  it('ETA like upstream', () => {
    assert.equal(formatEta(5), '5s');
    assert.equal(formatEta(65), '1m 5s');
    assert.equal(formatEta(3600), '1h 0m');
    assert.equal(formatEta(7322), '2h 2m');
    assert.equal(formatEta(-1), '');
    assert.equal(formatEta(Number.NaN), '');
  });
  it('bytes in binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(1.2 * 1024 ** 3), '1.2 GB');
    assert.equal(formatBytes(-5), '0 B');
  });
});

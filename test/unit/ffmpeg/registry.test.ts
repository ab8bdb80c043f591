import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Detection } from '../../../src/ffmpeg/detect.js';
import { softwareEncoder } from '../../../src/ffmpeg/encoders.js';
import { EncoderRegistry } from '../../../src/ffmpeg/registry.js';

const nvenc = { accel: 'nvenc' as const, codec: 'hevc' as const, encoder: 'hevc_nvenc', description: 'NVIDIA NVENC HEVC', nvencMode: 'simple' as const };
const detection = (at: string, available = [nvenc, softwareEncoder('hevc')]): Detection => ({
  detected_at: at,
  duration_ms: 5,
  listed: true,
  results: available.map((info) => ({ info, available: true, detail: 'test encode passed (plain)' })),
  available,
  vmaf: { available: false, models: null },
});

describe('EncoderRegistry', () => {
  it('answers software until the first detection ends; ready() waits for it', async () => {
    let finish: (d: Detection) => void = () => undefined;
    const registry = new EncoderRegistry({ detector: () => new Promise((resolve) => (finish = resolve)) });
    registry.start();
    assert.equal(registry.best('hevc').encoder, 'libx265');
    let ready = false;
    const waiting = registry.ready().then(() => (ready = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(ready, false);
    finish(detection('2026-01-01T00:00:00.000Z'));
    await waiting;
    assert.equal(registry.best('hevc').encoder, 'hevc_nvenc');
    assert.equal(registry.lastDetection(), '2026-01-01T00:00:00.000Z');
  });

  it('joins a detection already running and tells listeners once', async () => {
    let runs = 0;
    const registry = new EncoderRegistry({ detector: async () => detection(`2026-01-01T00:00:0${++runs}.000Z`) });
    const heard: string[] = [];
    registry.onChange((d) => heard.push(d.detected_at));
    const [a, b] = await Promise.all([registry.detect(), registry.detect()]);
    assert.equal(a, b);
    assert.equal(runs, 1);
    await registry.detect();
    assert.deepEqual(heard, ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z']);
  });

  it('a failing detector leaves the last good list and does not block ready()', async () => {
    const registry = new EncoderRegistry({ detector: async () => Promise.reject(new Error('boom')) });
    registry.set([nvenc], new Date('2026-01-01T00:00:00Z'));
    registry.start();
    await registry.ready();
    assert.equal(registry.best('hevc').encoder, 'hevc_nvenc');
    await assert.rejects(registry.detect(), /boom/);
  });

  it('close() aborts the running detection', async () => {
    let aborted = false;
    const registry = new EncoderRegistry({
      detector: (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    registry.start();
    await registry.close();
    await registry.ready();
    assert.equal(aborted, true);
  });
});

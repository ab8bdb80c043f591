import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../../../src/ffmpeg/run.js';

describe('progress is monotonic within an attempt (issue 8)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mono-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('a frame-count estimate followed by a smaller out_time never moves the bar back', async () => {
    // 10 s at 30 fps: frame 30 is 10 % by frames; out_time 0.1 s is then 1 % by time.
    const fake = join(dir, 'ffmpeg');
    await writeFile(
      fake,
      `#!/bin/sh
printf 'frame=3\\nout_time_us=N/A\\nprogress=continue\\n'
printf 'frame=30\\nout_time_us=N/A\\nprogress=continue\\n'
printf 'frame=31\\nout_time_us=100000\\nprogress=continue\\n'
printf 'frame=90\\nout_time_us=3000000\\nprogress=continue\\n'
printf 'frame=300\\nout_time_us=10000000\\nprogress=end\\n'
`,
    );
    await chmod(fake, 0o755);
    const seen: number[] = [];
    await runFfmpeg({ ffmpeg: fake, args: [], signal: new AbortController().signal, durationMs: 10_000, frameRate: 30, stallTimeoutMs: 10_000, onProgress: (u) => seen.push(u.progress) });
    assert.deepEqual(seen, [1, 10, 10, 30, 100]);
  });
});

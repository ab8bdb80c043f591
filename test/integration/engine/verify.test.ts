import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastFrameCount, OutputCheckError, verifyOutput } from '../../../src/ffmpeg/verify.js';
import { ClipFactory, ffmpeg } from '../../helpers/clips.js';

const clips = new ClipFactory();
const tools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

describe('output checks (D11) on real files', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await clips.dispose();
  });

  it('reads the frame count of -progress output', () => {
    assert.equal(lastFrameCount('frame=0\nfps=0\nprogress=continue\nframe=12\nprogress=end\n'), 12);
    assert.equal(lastFrameCount('frame=0\nprogress=end\n'), 0);
    assert.equal(lastFrameCount(''), undefined);
  });

  it('passes a whole output and refuses the same output cut short (a full disk: ffmpeg exits 0, the header still says 4 s)', async () => {
    const whole = join(dir, 'whole.mkv');
    await ffmpeg(['-i', await clips.h264(4), '-c:v', 'libx265', '-x265-params', 'log-level=error', '-c:a', 'copy', whole]);
    const expect = { durationMs: 4000, audioStreams: 1 };
    assert.ok((await verifyOutput(tools, whole, expect, new AbortController().signal)).size > 0);
    const cut = join(dir, 'cut.mkv');
    await copyFile(whole, cut);
    await truncate(cut, Math.floor((await stat(whole)).size * 0.3));
    await assert.rejects(verifyOutput(tools, cut, expect, new AbortController().signal), (error: unknown) => error instanceof OutputCheckError && /cut short|does not decode|lasts/.test(error.message));
  });
});

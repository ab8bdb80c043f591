import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, CommandRunner } from '../../../src/ffmpeg/command.js';
import { modelName, parseVmafScore, scoringHeight, vmafFilter } from '../../../src/ffmpeg/vmaf.js';
import { detectVmaf, libvmafOptions, modelOptionFor } from '../../../src/ffmpeg/vmaf-detect.js';
import { AnalysisSlots } from '../../../src/smartshrink/slots.js';
import { analysisDirPattern, makeWorkDir, removeAnalysisLeftovers } from '../../../src/smartshrink/workdir.js';

const HELP_1X = `Filter libvmaf
  Calculate the VMAF between two video streams.
libvmaf AVOptions:
  model_path        <string>     ..FV..... Set the model to be used for computing vmaf. (default "/usr/local/share/model/vmaf_v0.6.1.pkl")
  log_path          <string>     ..FV..... Set the file path to be used to store logs.
  n_subsample       <int>        ..FV..... Set interval for frame subsampling used when computing vmaf. (from 1 to UINT32_MAX) (default 1)
`;
const HELP_2X = `Filter libvmaf
libvmaf AVOptions:
   log_path          <string>     ..FV....... Set the file path to be used to write log.
  model             <string>     ..FV....... Set the model to be used for computing vmaf. (default "version=vmaf_v0.6.1")
  n_subsample       <int>        ..FV....... Set interval for frame subsampling used when computing vmaf. (from 1 to UINT32_MAX) (default 1)
`;

const ok = (stdout: string, stderr = ''): CommandResult => ({ ok: true, stdout, stderr, timedOut: false });

/** A runner that answers `-h filter=libvmaf` with `help` and the one-frame test with `test`. */
function runner(help: CommandResult, test: (args: readonly string[]) => CommandResult) {
  const calls: Array<{ file: string; args: readonly string[] }> = [];
  const run: CommandRunner = async (file, args) => {
    calls.push({ file, args });
    return args.includes('filter=libvmaf') ? help : test(args);
  };
  return { run, calls };
}

describe('VMAF scoring: filter, parsing, detection', () => {
  it('scores at most at 1080p, even heights, nothing to do at or below', () => {
    assert.equal(scoringHeight(2160), 1080);
    assert.equal(scoringHeight(1080), null);
    assert.equal(scoringHeight(719), 718);
    assert.equal(scoringHeight(360), null);
    assert.equal(scoringHeight(0), 1080);
    assert.equal(scoringHeight(undefined), 1080);
  });

  it('builds the filter: frames paired by index, model option, threads, subsampling only when > 1', () => {
    assert.equal(
      vmafFilter({ height: 2160, threads: 4, subsample: 7, modelOption: 'model=version=vmaf_v0.6.1' }),
      '[0:v]settb=1/25,setpts=N,setsar=1,scale=-2:1080,format=yuv420p[dist];[1:v]settb=1/25,setpts=N,setsar=1,scale=-2:1080,format=yuv420p[ref];[dist][ref]libvmaf=model=version=vmaf_v0.6.1:shortest=1:n_threads=4:n_subsample=7',
    );
    assert.equal(
      vmafFilter({ height: 360, threads: 1, subsample: 1, modelOption: '' }),
      '[0:v]settb=1/25,setpts=N,setsar=1,format=yuv420p[dist];[1:v]settb=1/25,setpts=N,setsar=1,format=yuv420p[ref];[dist][ref]libvmaf=shortest=1:n_threads=1',
    );
  });

  it('reads the score of libvmaf 1.x and 2.x, and nothing from a failed run', () => {
    assert.equal(parseVmafScore('Start calculating VMAF score...\nExec FPS: 73.6\nVMAF score = 86.519064\n'), 86.519064);
    assert.equal(parseVmafScore('[Parsed_libvmaf_4 @ 0x55d5] VMAF score: 92.301\n'), 92.301);
    assert.equal(parseVmafScore('{"pooled_metrics": {"vmaf": {"min": 80.1, "mean": 91.5}}}'), 91.5);
    assert.equal(parseVmafScore('Start calculating VMAF score...\nInput model at /usr/local/share/model/vmaf_v0.6.1.pkl cannot be read successfully.\n'), undefined);
    assert.equal(parseVmafScore('VMAF score: 1234'), undefined);
  });

  it('chooses the model option per build', () => {
    assert.deepEqual([...libvmafOptions(HELP_1X)].sort(), ['log_path', 'model_path', 'n_subsample']);
    assert.ok(libvmafOptions(HELP_2X).has('model'));
    assert.deepEqual(modelOptionFor(libvmafOptions(HELP_2X), ''), { option: 'model=version=vmaf_v0.6.1', model: 'vmaf_v0.6.1' });
    assert.deepEqual(modelOptionFor(libvmafOptions(HELP_2X), '/m/vmaf_v0.6.1.json'), { option: 'model=path=/m/vmaf_v0.6.1.json', model: 'vmaf_v0.6.1' });
    assert.deepEqual(modelOptionFor(libvmafOptions(HELP_1X), '/m/vmaf_v0.6.1.pkl'), { option: 'model_path=/m/vmaf_v0.6.1.pkl', model: 'vmaf_v0.6.1' });
    assert.deepEqual(modelOptionFor(libvmafOptions(HELP_1X), ''), { option: '', model: 'vmaf_v0.6.1' });
    assert.match((modelOptionFor(libvmafOptions(HELP_1X), '/my models/x.pkl') as { problem: string }).problem, /cannot carry/);
    assert.equal(modelName('/x/vmaf_4k_v0.6.1.pkl.model'), 'vmaf_4k_v0.6.1');
  });

  it('available only when a one-frame score comes back (libvmaf 1.x exits 0 when it fails)', async () => {
    const failing = runner(ok(HELP_1X), () => ok('Input model at /usr/local/share/model/vmaf_v0.6.1.pkl cannot be read successfully.\n'));
    const d = await detectVmaf({ ffmpeg: 'ffmpeg', vmafFfmpeg: '/opt/vmaf/ffmpeg', vmafModel: '', run: failing.run });
    assert.equal(d.available, false);
    assert.equal(d.scorer, null);
    assert.match(d.detail, /^vmaf_ffmpeg \(\/opt\/vmaf\/ffmpeg\): a one-frame VMAF test failed: Input model at .* cannot be read successfully\..*set vmaf_model \(--vmaf-model\)/);
    assert.ok(failing.calls.every((c) => c.file === '/opt/vmaf/ffmpeg'), 'the scoring build is the one asked');

    const working = runner(ok(HELP_1X), (args) => ok(args.join(' ').includes('model_path=/m/vmaf_v0.6.1.pkl') ? 'VMAF score = 97.4\n' : ''));
    const good = await detectVmaf({ ffmpeg: 'ffmpeg', vmafFfmpeg: '', vmafModel: '/m/vmaf_v0.6.1.pkl', run: working.run, exists: async () => true });
    assert.equal(good.available, true);
    assert.deepEqual(good.models, ['vmaf_v0.6.1']);
    assert.deepEqual(good.scorer, { ffmpeg: 'ffmpeg', modelOption: 'model_path=/m/vmaf_v0.6.1.pkl', model: 'vmaf_v0.6.1', subsample: true });
  });

  it('says why: no libvmaf in the main ffmpeg, a missing model file, a binary that does not run', async () => {
    const none = runner(ok("Unknown filter 'libvmaf'.\n"), () => ok(''));
    assert.match((await detectVmaf({ ffmpeg: 'ffmpeg', vmafFfmpeg: '', vmafModel: '', run: none.run })).detail, /^ffmpeg \(ffmpeg\) has no libvmaf filter; set vmaf_ffmpeg/);
    const model = runner(ok(HELP_2X), () => ok('VMAF score: 99'));
    assert.equal((await detectVmaf({ ffmpeg: 'ffmpeg', vmafFfmpeg: '', vmafModel: '/nope.json', run: model.run, exists: async () => false })).detail, 'the vmaf_model file /nope.json does not exist');
    const broken = runner({ ok: false, stdout: '', stderr: 'spawn /x ENOENT', timedOut: false }, () => ok(''));
    assert.equal((await detectVmaf({ ffmpeg: 'ffmpeg', vmafFfmpeg: '/x', vmafModel: '', run: broken.run })).detail, 'vmaf_ffmpeg (/x) cannot be run: spawn /x ENOENT');
  });
});

describe('analysis slots (max_concurrent_analyses)', () => {
  it('serves waiters in order, reads the limit when asked, and an aborted waiter leaves the line', async () => {
    let limit = 1;
    const slots = new AnalysisSlots(() => limit);
    const first = slots.tryAcquire();
    assert.ok(first);
    assert.equal(slots.tryAcquire(), undefined);
    const order: string[] = [];
    const gone = new AbortController();
    const b = slots.acquire(new AbortController().signal).then((release) => {
      order.push('b');
      return release;
    });
    const c = slots.acquire(gone.signal).catch(() => order.push('c aborted'));
    const d = slots.acquire(new AbortController().signal).then((release) => {
      order.push('d');
      return release;
    });
    gone.abort(new Error('requeued'));
    await c;
    first();
    const releaseB = await b;
    assert.deepEqual(order, ['c aborted', 'b']);
    limit = 2; // a raised limit lets the next one in at the next release or drain
    slots.drain();
    const releaseD = await d;
    assert.deepEqual(order, ['c aborted', 'b', 'd']);
    assert.equal(slots.inUse(), 2);
    releaseB();
    releaseB(); // twice is harmless
    releaseD();
    assert.equal(slots.inUse(), 0);
  });
});

describe('analysis working folders (D9, D20)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'shrinkray-workdir-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("removes only this instance's leftover folders, with what is inside", async () => {
    const mine = await makeWorkDir(root, 'a1b2c3d4');
    await writeFile(join(mine, 'sample_0.mkv'), 'x');
    const other = await makeWorkDir(root, 'ffff0000');
    await mkdir(join(root, '.shrinkray-analysis-a1b2c3d4-nothex'));
    await writeFile(join(root, 'movie.mkv'), 'user file');
    assert.match(mine.split('/').pop() ?? '', analysisDirPattern('a1b2c3d4'));
    const removed = await removeAnalysisLeftovers(root, 'a1b2c3d4');
    assert.deepEqual(removed, [mine.split('/').pop()]);
    assert.deepEqual((await readdir(root)).sort(), ['.shrinkray-analysis-a1b2c3d4-nothex', 'movie.mkv', other.split('/').pop()].sort());
  });
});

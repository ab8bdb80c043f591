import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { get, post, waitFor } from '../../helpers/http.js';
import { processesMentioning } from '../../helpers/process.js';
import { SseRecorder } from '../../helpers/sse.js';
import { fullVmaf, requireVmaf, SmartClips, VMAF_SETTINGS } from './vmaf-env.js';

const TIERS = { acceptable: 85, good: 90, excellent: 94 } as const;
const analysisDirs = async (t: TestApp) => (await readdir(t.temp).catch(() => [] as string[])).filter((n) => n.startsWith('.shrinkray-analysis-'));

describe('SmartShrink jobs (real ffmpeg, real libvmaf)', function () {
  this.timeout(240_000);
  const clips = new SmartClips();
  let scorers: string | undefined;
  let t: TestApp | undefined;
  let sse: SseRecorder | undefined;
  before(function () {
    requireVmaf(this);
  });
  afterEach(async () => {
    await sse?.close();
    sse = undefined;
    await t?.dispose();
    t = undefined;
  });
  after(async () => {
    await clips.dispose();
    if (scorers) await rm(scorers, { recursive: true, force: true });
  });

  const start = async (overrides: Record<string, unknown> = {}) => {
    t = await startTestApp({ overrides: { ...VMAF_SETTINGS, ...overrides } });
    await t.app.encoders.ready();
    sse = new SseRecorder(`${t.url}/api/jobs/stream`);
    await sse.waitFor((e) => e.type === 'init', 'init');
    return t;
  };

  it('without a scoring ffmpeg: VMAF unavailable, no SmartShrink presets, and a 400 that says why', async () => {
    t = await startTestApp();
    const encoders = await get(t.url, '/api/encoders');
    assert.equal(encoders.body.vmaf_available, false);
    assert.equal(encoders.body.vmaf_models, null);
    const presets = await get(t.url, '/api/presets');
    assert.deepEqual(presets.body.map((p: { id: string }) => p.id), ['compress-hevc', 'compress-av1', '1080p', '720p']);
    const res = await post(t.url, '/api/jobs', { paths: [t.media], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^smartshrink-hevc is not available: VMAF scoring does not work here: ffmpeg \(ffmpeg\) has no libvmaf filter; set vmaf_ffmpeg \(--vmaf-ffmpeg\)/);
    const detect = await post(t.url, '/api/encoders/detect');
    assert.match(detect.body.vmaf_detail, /has no libvmaf filter/);
  });

  it('with --vmaf-ffmpeg/--vmaf-model: available, listed, and a libvmaf 1.x build without a model is refused with the reason', async () => {
    await start();
    const encoders = await get(t!.url, '/api/encoders');
    assert.equal(encoders.body.vmaf_available, true);
    assert.deepEqual(encoders.body.vmaf_models, ['vmaf_v0.6.1']);
    const presets = await get(t!.url, '/api/presets');
    assert.deepEqual(
      presets.body.filter((p: { is_smart_shrink: boolean }) => p.is_smart_shrink).map((p: { id: string }) => p.id),
      ['smartshrink-hevc', 'smartshrink-av1'],
    );
    await t!.dispose();
    t = await startTestApp({ overrides: { vmaf_ffmpeg: VMAF_SETTINGS.vmaf_ffmpeg } });
    await t.app.encoders.ready();
    assert.equal((await get(t.url, '/api/encoders')).body.vmaf_available, false);
    const res = await post(t.url, '/api/jobs', { paths: [t.media], preset_id: 'smartshrink-av1', smartshrink_quality: 'good' });
    assert.match(res.body.error, /cannot be read successfully.*set vmaf_model \(--vmaf-model\)/);
  });

  for (const [kind, preset, tier] of [
    ['detail', 'smartshrink-hevc', 'good'],
    ['motion', 'smartshrink-av1', 'excellent'],
  ] as const) {
    it(`${kind} clip, ${preset} ${tier}: analysing → encoding → complete, and the file really meets the tier (full VMAF ≥ tier − 1)`, async () => {
      await start({ original_handling: 'keep' });
      const clip = await clips.clip(kind);
      const input = join(t!.media, `${kind}.mkv`);
      await copyFile(clip, input);
      assert.equal((await post(t!.url, '/api/jobs', { paths: [input], preset_id: preset, smartshrink_quality: tier })).status, 202);
      const done = await sse!.waitFor((e) => ['complete', 'failed', 'skipped'].includes(e.type), 'job finished', 200_000);
      assert.equal(done.type, 'complete', JSON.stringify(done.job));
      const job = done.job;
      assert.ok(job.selected_crf >= (preset === 'smartshrink-hevc' ? 16 : 18) && job.selected_crf <= (preset === 'smartshrink-hevc' ? 30 : 35), `crf ${job.selected_crf}`);
      assert.equal(job.quality_mod, 0);
      assert.ok(job.vmaf_score >= TIERS[tier] + 1, `sample score ${job.vmaf_score} has the margin`);
      assert.ok(job.analysis_rounds >= 1 && job.analysis_rounds <= 5, `rounds ${job.analysis_rounds}`);
      // Phases in order on the event stream, with the results on the first encoding event.
      const phases = sse!.events.filter((e) => e.type === 'progress' && e.job.id === job.id).map((e) => e.job.phase);
      const order = phases.filter((p, i) => p !== phases[i - 1]);
      assert.deepEqual(order, ['analyzing', 'encoding'], JSON.stringify(phases));
      const firstEncoding = sse!.events.find((e) => e.type === 'progress' && e.job.phase === 'encoding');
      assert.equal(firstEncoding.job.selected_crf, job.selected_crf);
      // The promise checked independently: every frame of the output against the original.
      const score = await fullVmaf(job.output_path, clip);
      assert.ok(score >= TIERS[tier] - 1, `final file VMAF ${score.toFixed(2)} vs tier ${TIERS[tier]} (samples said ${job.vmaf_score})`);
      assert.ok(job.output_size < job.input_size);
      assert.deepEqual(await analysisDirs(t!), []);
    });
  }

  /** A stand-in scoring ffmpeg that lists libvmaf and gives every comparison the same score. */
  const fixedScorer = async (score: number) => {
    scorers ??= await mkdtemp(join(tmpdir(), 'shrinkray-scorers-'));
    const path = join(scorers, `fixed-vmaf-${score}`);
    await writeFile(path, `#!/bin/sh\ncase "$*" in *filter=libvmaf*) printf 'Filter libvmaf\\n  model             <string>     ..FV..... model\\n';; *) echo "[Parsed_libvmaf_4 @ 0x1] VMAF score: ${score}" >&2;; esac\n`, { mode: 0o755 });
    return path;
  };

  it('a tier no CRF reaches is skipped as Already optimized, with no full encode', async () => {
    await start({ vmaf_ffmpeg: await fixedScorer(80), vmaf_model: '' });
    const input = join(t!.media, 'a.mkv');
    await copyFile(await clips.clip('detail'), input);
    assert.equal((await post(t!.url, '/api/jobs', { paths: [input], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' })).status, 202);
    const done = await sse!.waitFor((e) => ['complete', 'failed', 'skipped'].includes(e.type), 'job finished', 120_000);
    assert.equal(done.type, 'skipped', JSON.stringify(done.job));
    assert.equal(done.job.skip_reason, 'Already optimized');
    assert.equal(done.job.analysis_rounds, 2, 'CRF 23, then the best quality (16), then no more');
    assert.ok(!sse!.events.some((e) => e.type === 'progress' && e.job.phase === 'encoding'), 'no full encode');
    assert.deepEqual(await analysisDirs(t!), []);
  });

  it('an output predicted not smaller is skipped before the full encode', async () => {
    await start({ vmaf_ffmpeg: await fixedScorer(99), vmaf_model: '' });
    // A flat grey picture H.264 already squeezed to almost nothing: HEVC's headers alone are bigger.
    const input = join(t!.media, 'grey.mkv');
    await new Promise<void>((resolve, reject) =>
      execFile('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=160x96:r=24:d=8', '-c:v', 'libx264', '-preset', 'veryslow', '-crf', '51', '-pix_fmt', 'yuv420p', input], (e) => (e ? reject(e) : resolve())),
    );
    assert.equal((await post(t!.url, '/api/jobs', { paths: [input], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' })).status, 202);
    const done = await sse!.waitFor((e) => ['complete', 'failed', 'skipped'].includes(e.type), 'job finished', 120_000);
    assert.equal(done.type, 'skipped', JSON.stringify(done.job));
    assert.match(done.job.skip_reason, /^Output larger than original \(predicted .+ > .+\)$/);
    assert.equal(done.job.selected_crf, 30, 'the search went to the smallest file');
    assert.ok(!sse!.events.some((e) => e.type === 'progress' && e.job.phase === 'encoding'), 'no full encode');
  });

  it('pause during the analysis requeues the job at the front (D8) and removes its working folder', async () => {
    await start({ workers: 1 });
    const first = join(t!.media, 'a.mkv');
    const second = join(t!.media, 'b.mkv');
    await copyFile(await clips.clip('detail', 20, '640x360'), first);
    await copyFile(await clips.clip('detail'), second);
    await post(t!.url, '/api/jobs', { paths: [first], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' });
    await sse!.waitFor((e) => e.type === 'progress' && e.job.phase === 'analyzing', 'analysing');
    await post(t!.url, '/api/jobs', { paths: [second], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' });
    await waitFor(async () => (await get(t!.url, '/api/jobs')).body.jobs.length === 2, 'second job queued');
    await waitFor(async () => (await analysisDirs(t!)).length === 1, 'a working folder');
    const paused = await post(t!.url, '/api/queue/pause');
    assert.deepEqual(paused.body, { paused: true, requeued: 1 });
    const jobs = (await get(t!.url, '/api/jobs')).body.jobs;
    assert.equal(jobs[0].input_path, first);
    assert.equal(jobs[0].status, 'pending');
    assert.equal(jobs[0].phase, undefined);
    assert.equal(jobs[1].status, 'pending');
    assert.deepEqual(await analysisDirs(t!), []);
    assert.deepEqual(await processesMentioning(join(t!.temp, '.shrinkray-analysis-')), [], 'no encoder or scorer of the stopped analysis');
  });

  it('cancel during the analysis: cancelled at once, working folder gone, no scorer left running', async () => {
    await start();
    const input = join(t!.media, 'c.mkv');
    await copyFile(await clips.clip('detail', 20, '640x360'), input);
    await post(t!.url, '/api/jobs', { paths: [input], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' });
    const analysing = await sse!.waitFor((e) => e.type === 'progress' && e.job.phase === 'analyzing', 'analysing');
    await waitFor(async () => (await analysisDirs(t!)).length === 1, 'a working folder');
    const res = await fetch(`${t!.url}/api/jobs/${analysing.job.id}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    await waitFor(async () => (await analysisDirs(t!)).length === 0, 'working folder removed', 10_000);
    assert.equal((await get(t!.url, `/api/jobs/${analysing.job.id}`)).body.status, 'cancelled');
    assert.deepEqual(await processesMentioning(join(t!.temp, '.shrinkray-analysis-')), []);
  });

  it('max_concurrent_analyses 1 with 2 workers: the second job waits (waiting_analysis), then analyses', async () => {
    // Each analysis takes one round with a stand-in scorer (91.2 is inside good's first tolerance).
    await start({ workers: 2, max_concurrent_analyses: 1, vmaf_ffmpeg: await fixedScorer(91.2), vmaf_model: '' });
    const a = join(t!.media, 'a.mkv');
    const b = join(t!.media, 'b.mkv');
    await copyFile(await clips.clip('detail'), a);
    await copyFile(await clips.clip('motion'), b);
    await post(t!.url, '/api/jobs', { paths: [a, b], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' });
    await waitFor(() => sse!.events.filter((e) => ['complete', 'failed', 'skipped'].includes(e.type)).length === 2, 'both finished', 200_000);
    const waited = sse!.events.find((e) => e.type === 'progress' && e.job.phase === 'waiting_analysis');
    assert.ok(waited, 'one job waited for the analysis slot');
    const phasesOf = (id: string) => sse!.events.filter((e) => e.type === 'progress' && e.job.id === id).map((e) => e.job.phase).filter((p, i, all) => p !== all[i - 1]);
    assert.deepEqual(phasesOf(waited.job.id).slice(0, 2), ['waiting_analysis', 'analyzing']);
    // Never two analyses at once: the waiting job started analysing only after the other left analysing.
    const idx = (pred: (e: any) => boolean) => sse!.events.findIndex(pred);
    const other = sse!.events.find((e) => e.type === 'started' && e.job.id !== waited.job.id).job.id;
    assert.ok(idx((e) => e.type === 'progress' && e.job.id === waited.job.id && e.job.phase === 'analyzing') > idx((e) => e.type === 'progress' && e.job.id === other && e.job.phase === 'encoding'));
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/broker.js';
import { ClipFactory } from '../helpers/clips.js';
import { Prng } from '../helpers/faults-prng.js';
import { get, post, waitFor } from '../helpers/http.js';
import { processesMentioning, type ServiceProcess, startProcess } from '../helpers/process.js';
import { FaultReport, scaled } from './report.js';

const run = promisify(execFile);
const clips = new ClipFactory();
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
const exists = (path: string) => stat(path).then(() => true, () => false);
const OURS = /\.[0-9a-f]{16}\.shrinkray\.(tmp|part)\.[a-z0-9]+$/;

/** A verified output: ffprobe reads it and its video is HEVC. */
async function isHevcOutput(path: string): Promise<boolean> {
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path]);
    return stdout.trim() === 'hevc';
  } catch {
    return false;
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

interface Source {
  path: string;
  sha: string;
}

/**
 * D11/D19/D20 as evidence: the real service is SIGKILLed at random moments (discovery, probing,
 * transcoding, verification, the swap), in `replace` and `keep` mode, with the temp folder on the
 * media's filesystem and on another one (tmpfs). Between a kill and the restart every source must be
 * its untouched original or a verified output (with `.old` in keep mode) and no encoder of the dead
 * service may run; after the last restart every job completes and nothing of ours is left.
 */
describe('fault suite: kill anywhere (D11, D19, D20)', function () {
  this.timeout(900_000);
  const report = new FaultReport('kill anywhere');
  const prng = Prng.fromEnv();
  after(async () => {
    report.note(`seed ${prng.seed} (FAULTS_SEED=${prng.seed} replays it)`);
    report.print();
    await clips.dispose();
  });

  for (const [mode, tempKind] of [
    ['replace', 'same filesystem'],
    ['keep', 'tmpfs'],
  ] as const) {
    it(`${mode} mode, temp on ${tempKind}: ${scaled(15)} kills, then every job completes and every original is accounted for`, async () => {
      const root = await mkdtemp(join(tmpdir(), 'shrinkray-kill-'));
      const media = join(root, 'media');
      // /dev/shm is a tmpfs: the finished file is copied across filesystems, not renamed.
      const shm = tempKind === 'tmpfs' && (await stat('/dev/shm').then((i) => i.isDirectory(), () => false));
      if (tempKind === 'tmpfs' && !shm) report.note('no /dev/shm here: the "tmpfs" run keeps temp on the same filesystem');
      const temp = shm ? await mkdtemp('/dev/shm/shrinkray-kill-') : join(root, 'temp');
      await mkdir(join(media, 'start'), { recursive: true });
      const sources: Source[] = [];
      const addClip = async (clip: string, dest: string) => {
        await clips.copyTo(clip, dest);
        sources.push({ path: dest, sha: await sha(dest) });
      };
      await addClip(await clips.h264(3), join(media, 'start', 'a.mp4'));
      await addClip(await clips.h264(2), join(media, 'start', 'b.mkv'));
      await addClip(await clips.h264(4), join(media, 'start', 'c.avi'));
      await addClip(await clips.h264(2), join(media, 'start', 'd d.mov'));
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const args = ['--media', media, '--data', join(root, 'data'), '--temp', temp, '--port', String(port), '--host', '127.0.0.1', '--workers', '2', '--original-handling', mode];
      let proc: ServiceProcess | undefined;
      const up = async (p: ServiceProcess) => {
        await waitFor(() => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 'service up', 30_000).catch((error) => {
          throw new Error(`${(error as Error).message}\n${p.output().slice(-3000)}`);
        });
      };
      try {
        const kills = scaled(15);
        for (let cycle = 1; cycle <= kills; cycle++) {
          proc = startProcess(args, root);
          await up(proc);
          let posted = false;
          if (cycle === 1) {
            assert.equal((await post(url, '/api/jobs', { paths: [join(media, 'start')], preset_id: 'compress-hevc' })).status, 202);
            posted = true;
          } else if (prng.next() < 0.3) {
            const dest = join(media, `new-${cycle}`, 'e.mp4');
            await addClip(await clips.h264(2), dest);
            assert.equal((await post(url, '/api/jobs', { paths: [dirname(dest)], preset_id: 'compress-hevc' })).status, 202);
            posted = true;
          }
          const delay = posted && prng.next() < 0.5 ? prng.int(0, 300) : prng.int(200, 3000);
          await new Promise((r) => setTimeout(r, delay));
          const children = await processesMentioning(temp);
          const verifying = children.some((p) => p.args.includes('-sseof') || p.args.includes('ffprobe'));
          const log = proc.output();
          const since = log.slice(log.lastIndexOf('shrinkray listening'));
          const phase =
            posted && !since.includes('"jobs added"')
              ? 'discovery/probing'
              : verifying
                ? 'output verification'
                : children.length > 0
                  ? 'transcoding'
                  : 'start, swap or between jobs';
          proc.child.kill('SIGKILL');
          await proc.exited;
          // D20: nothing we started outlives us.
          const orphans = await waitFor(async () => ((await processesMentioning(temp)).length === 0 ? 'none' : undefined), 'no orphan', 3000).catch(async () => (await processesMentioning(temp)).map((p) => p.args).join('; '));
          if (orphans !== 'none') report.finding(`cycle ${cycle}: encoders outlived the service: ${orphans}`);
          report.count(`kill during ${phase}`, orphans === 'none' ? 'no orphan' : 'ORPHAN');
          // With the service dead, the files are still: each source is its original or a verified output.
          for (const problem of await checkSources(sources, mode, false)) report.finding(`cycle ${cycle} (${phase}): ${problem}`);
        }
        // The last start runs to the end.
        proc = startProcess(args, root);
        await up(proc);
        const finished = await waitFor(
          async () => {
            const list = (await get(url, '/api/jobs')).body.jobs as any[];
            return list.length >= sources.length && list.every((j) => j.status !== 'pending' && j.status !== 'running') ? list : undefined;
          },
          'every job finished',
          240_000,
        ).catch(async (error) => {
          throw new Error(`${(error as Error).message}: ${JSON.stringify((await get(url, '/api/jobs')).body.jobs.map((j: any) => [j.input_path, j.status]))}`);
        });
        proc.child.kill('SIGTERM');
        assert.equal(await proc.exited, 0);
        proc = undefined;
        for (const source of sources) {
          const job = finished.find((j) => j.input_path === source.path);
          report.count('final job state', job ? job.status : 'NO JOB (accepted request lost)');
          if (!job) report.finding(`no job for ${source.path}: an accepted request was lost`);
          else if (job.status !== 'complete') report.finding(`${basename(source.path)} ended ${job.status}: ${job.error ?? ''}`);
        }
        for (const problem of await checkSources(sources, mode, true)) report.finding(`final: ${problem}`);
        const leftovers = [...(await walk(media)), ...(await walk(temp))].filter((p) => OURS.test(basename(p)));
        for (const path of leftovers) report.finding(`temp or staging file left: ${path}`);
        report.count('final leftovers', leftovers.length === 0 ? 'none' : 'LEFT');
        assert.equal(report.findingCount, 0, 'see the closing table');
      } finally {
        if (proc) {
          proc.child.kill('SIGKILL');
          await proc.exited;
        }
        await rm(root, { recursive: true, force: true });
        if (shm) await rm(temp, { recursive: true, force: true });
      }
    });
  }

  /** Each source: the untouched original, or a verified output in its place (and `.old` in keep mode). */
  async function checkSources(sources: Source[], mode: 'replace' | 'keep', final: boolean): Promise<string[]> {
    const problems: string[] = [];
    for (const s of sources) {
      const out = join(dirname(s.path), `${basename(s.path, extname(s.path))}.mkv`);
      const sourceThere = await exists(s.path);
      const original = sourceThere ? (await sha(s.path)) === s.sha : false;
      const outputOk = (await exists(out)) && (await isHevcOutput(out));
      const backupOk = (await exists(`${s.path}.old`)) && (await sha(`${s.path}.old`)) === s.sha;
      if (out !== s.path && sourceThere && !original) problems.push(`${s.path} was changed`);
      if (!original) {
        if (!outputOk) problems.push(`${s.path}: original gone and no verified output at ${out}`);
        if (mode === 'keep' && !backupOk) problems.push(`${s.path}: keep mode without its byte-identical .old`);
      }
      if (final && original && out !== s.path) problems.push(`${s.path}: still there after its job completed`);
      if (final && !outputOk) problems.push(`${out}: no verified output at the end`);
    }
    return problems;
  }
});

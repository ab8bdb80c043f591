import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/broker.js';
import { del, get, post, waitFor } from '../../helpers/http.js';
import { processesMentioning, type ServiceProcess, startProcess } from '../../helpers/process.js';
import { requireVmaf, SmartClips, VMAF_FFMPEG, VMAF_MODEL } from './vmaf-env.js';

const analysisDirs = async (temp: string) => (await readdir(temp).catch(() => [] as string[])).filter((n) => n.startsWith('.shrinkray-analysis-'));

describe('SmartShrink: a kill during the analysis (real process, SIGKILL)', function () {
  this.timeout(180_000);
  const clips = new SmartClips();
  let root: string;
  let proc: ServiceProcess | undefined;
  before(function () {
    requireVmaf(this);
  });
  afterEach(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    proc = undefined;
    await rm(root, { recursive: true, force: true });
  });
  after(() => clips.dispose());

  it('leaves no encoder or scorer running, and the restart removes the working folder and analyses again', async () => {
    root = await mkdtemp(join(tmpdir(), 'shrinkray-smartkill-'));
    const media = join(root, 'media');
    const temp = join(root, 'temp');
    await mkdir(media, { recursive: true });
    const input = join(media, 'film.mkv');
    await copyFile(await clips.clip('detail', 20, '640x360'), input);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['--media', media, '--data', join(root, 'data'), '--temp', temp, '--port', String(port), '--host', '127.0.0.1', '--vmaf-ffmpeg', VMAF_FFMPEG, '--vmaf-model', VMAF_MODEL];
    const up = async (p: ServiceProcess) =>
      waitFor(() => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 'service up', 30_000).catch((error) => {
        throw new Error(`${(error as Error).message}\n${p.output().slice(-3000)}`);
      });

    proc = startProcess(args, root);
    await up(proc);
    const res = await post(url, '/api/jobs', { paths: [input], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    // Killed in the middle of a round: a sample is being encoded or scored.
    const [dir] = await waitFor(async () => {
      const dirs = await analysisDirs(temp);
      const busy = dirs.length === 1 && (await readdir(join(temp, dirs[0] as string))).some((n) => n.includes('.encoded.'));
      return busy ? dirs : undefined;
    }, 'an analysis at work', 60_000);
    proc.child.kill('SIGKILL');
    await proc.exited;
    const folder = join(temp, dir as string);
    // D20: its encoders and scorers die with it (setpriv --pdeathsig).
    await waitFor(async () => (await processesMentioning(folder)).length === 0, 'no process of the dead analysis', 10_000);
    assert.deepEqual(await analysisDirs(temp), [dir], 'the kill left its working folder (what the restart must remove)');

    proc = startProcess(args, root);
    await up(proc);
    assert.ok(!(await analysisDirs(temp)).includes(dir as string), 'the old working folder was removed at startup');
    const jobs = (await get(url, '/api/jobs')).body.jobs;
    assert.equal(jobs.length, 1);
    assert.ok(['pending', 'running'].includes(jobs[0].status), `the job runs again (D9): ${jobs[0].status}`);
    // It analyses again in a new folder; a cancel ends it and removes that one too.
    await waitFor(async () => (await get(url, `/api/jobs/${jobs[0].id}`)).body.phase === 'analyzing', 'analysing again', 60_000);
    assert.equal((await del(url, `/api/jobs/${jobs[0].id}`)).status, 200);
    await waitFor(async () => (await analysisDirs(temp)).length === 0, 'nothing left', 15_000);
    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 0);
  });
});

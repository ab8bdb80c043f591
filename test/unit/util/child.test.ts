import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childWrapper, dieWithUs, findOrphans, killOrphans } from '../../../src/util/child.js';
import { processesMentioning } from '../../helpers/process.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitUntil = async (check: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return check();
};

describe('children die with the service (D20)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'child-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('wraps a command in setpriv --pdeathsig KILL on Linux, and leaves it alone without setpriv', () => {
    assert.deepEqual(childWrapper({ platform: 'linux', setpriv: '/usr/bin/setpriv' })('ffmpeg', ['-i', 'x']), ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', 'ffmpeg', '-i', 'x']]);
    assert.deepEqual(childWrapper({ platform: 'darwin', path: '/usr/bin' })('ffmpeg', ['-i', 'x']), ['ffmpeg', ['-i', 'x']]);
    assert.deepEqual(childWrapper({ setpriv: null })('ffprobe', []), ['ffprobe', []]);
    if (process.platform === 'linux') assert.ok(dieWithUs.setpriv, 'setpriv (util-linux) is on this machine');
  });

  it('a child started through the wrapper dies when its parent is SIGKILLed', async () => {
    const marker = join(dir, 'marker-pdeathsig');
    // A parent node process starts `sh -c 'sleep 60' <marker>` through the wrapper, then is killed.
    const [file, args] = dieWithUs('sh', ['-c', 'sleep 60', marker]);
    const parent = spawn(process.execPath, ['-e', `require('node:child_process').spawn(${JSON.stringify(file)}, ${JSON.stringify(args)}, { stdio: 'ignore' }); setInterval(() => {}, 1000);`], { stdio: 'ignore' });
    let child: number | undefined;
    try {
      const until = Date.now() + 15_000;
      while (child === undefined && Date.now() < until) {
        child = (await processesMentioning(marker))[0]?.pid;
        if (child === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(child, 'the child started');
      parent.kill('SIGKILL');
      assert.ok(await waitUntil(() => !alive(child as number), 3000), 'the child outlived its parent');
    } finally {
      parent.kill('SIGKILL');
      if (child !== undefined && alive(child)) process.kill(child, 'SIGKILL');
    }
  });

  it('finds and kills processes that name our files in the temp folder, and only those', async () => {
    const ours = join(dir, 'movie.0badcafe01234567.shrinkray.tmp.mkv');
    const theirs = join(dir, 'movie.1234567801234567.shrinkray.tmp.mkv');
    const a = spawn('sh', ['-c', 'sleep 30', ours], { stdio: 'ignore' });
    const b = spawn('sh', ['-c', 'sleep 30', theirs], { stdio: 'ignore' });
    try {
      const isOurs = (name: string) => name.includes('.0badcafe');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await findOrphans(dir, isOurs), [a.pid]);
      assert.deepEqual(await killOrphans(dir, isOurs), [a.pid]);
      assert.ok(await waitUntil(() => a.exitCode !== null || a.signalCode !== null, 3000));
      assert.equal(b.exitCode, null);
      assert.equal(b.signalCode, null);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProbeMemo } from '../../../src/media/probe-memo.js';
import type { ProbeResult } from '../../../src/media/probe-parse.js';

describe('ProbeMemo (discovery probe reused at the job start)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memo-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('probes once while the file is unchanged, again after it changes', async () => {
    const file = join(dir, 'a.mkv');
    await writeFile(file, 'one');
    let calls = 0;
    const memo = new ProbeMemo(async () => {
      calls += 1;
      return { size: calls } as unknown as ProbeResult;
    });
    assert.equal((await memo.fresh(file)).size, 1);
    assert.equal((await memo.get(file)).size, 1);
    assert.equal(calls, 1);
    await writeFile(file, 'longer content');
    assert.equal((await memo.get(file)).size, 2);
    memo.forget(file);
    assert.equal((await memo.get(file)).size, 3);
    await assert.rejects(memo.get(join(dir, 'missing.mkv')), /ENOENT/);
  });

  it('stays within its bound', async () => {
    const memo = new ProbeMemo(async () => ({}) as ProbeResult, 2);
    for (const n of ['x', 'y', 'z']) {
      await writeFile(join(dir, n), n);
      await memo.fresh(join(dir, n));
    }
    assert.equal((memo as unknown as { entries: Map<string, unknown> }).entries.size, 2);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBrowsePath } from '../../../src/browse/paths.js';

describe('browse path check (D17)', () => {
  let base: string;
  let media: string;
  let share: string;
  let outside: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'shrinkray-paths-'));
    media = join(base, 'media');
    share = join(base, 'share');
    outside = join(base, 'outside');
    await mkdir(join(media, 'Movies'), { recursive: true });
    await mkdir(join(share, 'TV'), { recursive: true });
    await mkdir(join(outside, 'secret'), { recursive: true });
    await writeFile(join(outside, 'secret', 'passwd'), 'x');
    await symlink(outside, join(media, 'escape'));
    await symlink(join(share, 'TV'), join(media, 'tv-link'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  const check = (path: string) => resolveBrowsePath(path, [media, share]);

  it('accepts each root and folders inside, telling roots apart', async () => {
    assert.deepEqual(await check(media), { ok: true, path: media, isRoot: true });
    assert.deepEqual(await check(share), { ok: true, path: share, isRoot: true });
    assert.deepEqual(await check(join(media, 'Movies')), { ok: true, path: join(media, 'Movies'), isRoot: false });
    assert.deepEqual(await check(`${media}/Movies/../Movies/`), { ok: true, path: join(media, 'Movies'), isRoot: false });
  });

  it('a symlink to another root resolves to its real place', async () => {
    assert.deepEqual(await check(join(media, 'tv-link')), { ok: true, path: join(share, 'TV'), isRoot: false });
  });

  it('refuses `..` out of the roots (403), whether or not the target exists', async () => {
    for (const path of [`${media}/..`, `${media}/../outside/secret`, `${media}/../outside/nothing-here`, '/etc', '/', `${media}/Movies/../../../..`]) {
      const r = await check(path);
      assert.equal(r.ok, false, path);
      if (!r.ok) assert.equal(r.status, 403, path);
    }
  });

  it('refuses symlinks leading out (403), also to paths that do not exist', async () => {
    for (const path of [join(media, 'escape'), join(media, 'escape', 'secret'), join(media, 'escape', 'no-such'), join(media, 'escape', 'no', 'such')]) {
      const r = await check(path);
      assert.equal(r.ok, false, path);
      if (!r.ok) assert.equal(r.status, 403, path);
    }
  });

  it('a missing path inside a root is 404; relative and NUL paths are 400', async () => {
    const missing = await check(join(media, 'nope'));
    assert.deepEqual(missing, { ok: false, status: 404, message: 'path does not exist' });
    for (const path of ['Movies', '../etc', `${media}/a\0b`]) {
      const r = await check(path);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.status, 400, path);
    }
  });

  it('a root that is a prefix of another folder name does not admit it', async () => {
    await mkdir(`${media}2`, { recursive: true });
    const r = await check(`${media}2`);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.status, 403);
  });
});

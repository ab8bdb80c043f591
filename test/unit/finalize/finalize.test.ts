import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalizeOutput, finalPathFor } from '../../../src/ffmpeg/finalize.js';
import { removeLeftovers, tempPathFor } from '../../../src/jobs/tempfiles.js';

describe('finalize (D11: originals are sacred)', () => {
  let dir: string;
  let media: string;
  let temp: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'finalize-'));
    media = join(dir, 'media');
    temp = join(dir, 'temp');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(media);
    await mkdir(temp);
  });
  afterEach(async () => {
    await chmod(media, 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const setup = async (name: string) => {
    const input = join(media, name);
    await writeFile(input, 'ORIGINAL');
    const when = new Date('2019-05-06T07:08:09Z');
    await utimes(input, when, when);
    const out = tempPathFor(temp, input, 'mkv');
    await writeFile(out, 'NEW');
    return { input, out, when };
  };

  it('names', () => {
    assert.equal(finalPathFor('/m/a.avi', 'mkv'), '/m/a.mkv');
    assert.equal(finalPathFor('/m/a.b.mkv', 'mp4'), '/m/a.b.mp4');
    assert.match(tempPathFor('/t', '/m/movie.mkv', 'mp4'), /^\/t\/movie\.[0-9a-f]{16}\.shrinkray\.tmp\.mp4$/);
  });

  it('replace, same name: the new file takes the place atomically with the old mtime', async () => {
    const { input, out, when } = await setup('a.mkv');
    const result = await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace' });
    assert.deepEqual(result, { outputPath: input, size: 3 });
    assert.equal(await readFile(input, 'utf8'), 'NEW');
    assert.equal((await stat(input)).mtime.getTime(), when.getTime());
    assert.deepEqual(await readdir(media), ['a.mkv']);
    assert.deepEqual(await readdir(temp), []);
  });

  it('replace, other extension: the original goes only after the new file is in place', async () => {
    const { input, out } = await setup('a.avi');
    await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace' });
    assert.deepEqual(await readdir(media), ['a.mkv']);
  });

  it('keep: the original survives as .old', async () => {
    const { input, out } = await setup('a.mkv');
    await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'keep' });
    assert.deepEqual((await readdir(media)).sort(), ['a.mkv', 'a.mkv.old']);
    assert.equal(await readFile(`${input}.old`, 'utf8'), 'ORIGINAL');
    assert.equal(await readFile(input, 'utf8'), 'NEW');
  });

  it('never overwrites an unrelated file at the destination', async () => {
    const { input, out } = await setup('a.mp4');
    await writeFile(join(media, 'a.mkv'), 'SOMEONE ELSE');
    await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace' }), /already exists/);
    assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
    assert.equal(await readFile(join(media, 'a.mkv'), 'utf8'), 'SOMEONE ELSE');
  });

  it('a folder it cannot write to fails the finalize with the original untouched and nothing left behind', async () => {
    if (process.getuid?.() === 0) {
      // root ignores folder permissions; use a destination that cannot be created instead
      const { input, out } = await setup('a.mkv');
      await rm(out);
      await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace' }), /failed to finalize: .*the original is untouched/);
      assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
      assert.deepEqual(await readdir(media), ['a.mkv']);
      return;
    }
    const { input, out } = await setup('a.mkv');
    await chmod(media, 0o555);
    await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace' }), /failed to finalize/);
    assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
  });

  it('removes only our own leftovers at startup (D9)', async () => {
    await writeFile(join(temp, 'x.0123456789abcdef.shrinkray.tmp.mkv'), '');
    await writeFile(join(temp, '.x.0123456789abcdef.shrinkray.part.mkv'), '');
    await writeFile(join(temp, 'x.mkv'), '');
    await writeFile(join(temp, 'x.shrinkray.tmp.mkv'), '');
    assert.deepEqual((await removeLeftovers(temp)).sort(), ['.x.0123456789abcdef.shrinkray.part.mkv', 'x.0123456789abcdef.shrinkray.tmp.mkv']);
    assert.deepEqual((await readdir(temp)).sort(), ['x.mkv', 'x.shrinkray.tmp.mkv']);
  });
});

describe('keep mode never replaces an earlier backup', () => {
  it('uses .old, then .old.1, .old.2', async () => {
    const { mkdtemp, mkdir, writeFile, readFile, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { finalizeOutput } = await import('../../../src/ffmpeg/finalize.js');
    const dir = await mkdtemp(join(tmpdir(), 'keep-'));
    try {
      await mkdir(join(dir, 't'));
      const input = join(dir, 'a.mkv');
      await writeFile(input, 'ORIGINAL');
      for (const [n, content] of [[1, 'FIRST'], [2, 'SECOND'], [3, 'THIRD']] as const) {
        const temp = join(dir, 't', `a.${String(n).repeat(16)}.shrinkray.tmp.mkv`);
        await writeFile(temp, content);
        await finalizeOutput({ input, temp, format: 'mkv', handling: 'keep' });
      }
      assert.deepEqual((await readdir(dir)).sort(), ['a.mkv', 'a.mkv.old', 'a.mkv.old.1', 'a.mkv.old.2', 't']);
      assert.equal(await readFile(join(dir, 'a.mkv.old'), 'utf8'), 'ORIGINAL');
      assert.equal(await readFile(join(dir, 'a.mkv.old.1'), 'utf8'), 'FIRST');
      assert.equal(await readFile(join(dir, 'a.mkv'), 'utf8'), 'THIRD');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

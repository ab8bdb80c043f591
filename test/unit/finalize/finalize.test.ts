import assert from 'node:assert/strict';
import { chmod, link, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DestinationTakenError, destinationProblem, type FinalizeIntent, finalizeOutput, finalPathFor, recoverFinalize } from '../../../src/ffmpeg/finalize.js';
import { instanceTag, removeLeftovers, tempPathFor } from '../../../src/jobs/tempfiles.js';

const TAG = '0badcafe';

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
    const out = tempPathFor(temp, input, 'mkv', TAG);
    await writeFile(out, 'NEW');
    return { input, out, when };
  };

  it('names', () => {
    assert.equal(finalPathFor('/m/a.avi', 'mkv'), '/m/a.mkv');
    assert.equal(finalPathFor('/m/a.b.mkv', 'mp4'), '/m/a.b.mp4');
    assert.match(tempPathFor('/t', '/m/movie.mkv', 'mp4', TAG), /^\/t\/movie\.0badcafe[0-9a-f]{8}\.shrinkray\.tmp\.mp4$/);
  });

  it('replace, same name: the new file takes the place atomically with the old mtime', async () => {
    const { input, out, when } = await setup('a.mkv');
    const result = await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG });
    assert.deepEqual(result, { outputPath: input, size: 3 });
    assert.equal(await readFile(input, 'utf8'), 'NEW');
    assert.equal((await stat(input)).mtime.getTime(), when.getTime());
    assert.deepEqual(await readdir(media), ['a.mkv']);
    assert.deepEqual(await readdir(temp), []);
  });

  it('replace, other extension: the original goes only after the new file is in place', async () => {
    const { input, out } = await setup('a.avi');
    await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG });
    assert.deepEqual(await readdir(media), ['a.mkv']);
  });

  it('keep: the original survives as .old', async () => {
    const { input, out } = await setup('a.mkv');
    await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'keep', tag: TAG });
    assert.deepEqual((await readdir(media)).sort(), ['a.mkv', 'a.mkv.old']);
    assert.equal(await readFile(`${input}.old`, 'utf8'), 'ORIGINAL');
    assert.equal(await readFile(input, 'utf8'), 'NEW');
  });

  it('never overwrites an unrelated file at the destination', async () => {
    const { input, out } = await setup('a.mp4');
    await writeFile(join(media, 'a.mkv'), 'SOMEONE ELSE');
    await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG }), /already exists/);
    assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
    assert.equal(await readFile(join(media, 'a.mkv'), 'utf8'), 'SOMEONE ELSE');
  });

  it('a folder it cannot write to fails the finalize with the original untouched and nothing left behind', async () => {
    if (process.getuid?.() === 0) {
      // root ignores folder permissions; use a destination that cannot be created instead
      const { input, out } = await setup('a.mkv');
      await rm(out);
      await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG }), /failed to finalize: .*the original is untouched/);
      assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
      assert.deepEqual(await readdir(media), ['a.mkv']);
      return;
    }
    const { input, out } = await setup('a.mkv');
    await chmod(media, 0o555);
    await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG }), /failed to finalize/);
    assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
  });

  it("removes only this instance's own leftovers at startup (D9, D20)", async () => {
    await writeFile(join(temp, 'x.0badcafe89abcdef.shrinkray.tmp.mkv'), '');
    await writeFile(join(temp, '.x.0badcafe89abcdef.shrinkray.part.mkv'), '');
    await writeFile(join(temp, 'x.mkv'), '');
    await writeFile(join(temp, 'x.shrinkray.tmp.mkv'), '');
    // Another instance's files (another tag) are left alone: it may be running now.
    await writeFile(join(temp, 'x.0123456789abcdef.shrinkray.tmp.mkv'), '');
    assert.deepEqual((await removeLeftovers(temp, TAG)).sort(), ['.x.0badcafe89abcdef.shrinkray.part.mkv', 'x.0badcafe89abcdef.shrinkray.tmp.mkv']);
    assert.deepEqual((await readdir(temp)).sort(), ['x.0123456789abcdef.shrinkray.tmp.mkv', 'x.mkv', 'x.shrinkray.tmp.mkv']);
  });

  it('two instances get different tags; one instance keeps its tag across restarts', () => {
    assert.equal(instanceTag('/data/a'), instanceTag('/data/a/'));
    assert.notEqual(instanceTag('/data/a'), instanceTag('/data/b'));
    assert.match(instanceTag('/x'), /^[0-9a-f]{8}$/);
  });

  it('publishes exclusively: a name taken after the check is never overwritten (D22)', async () => {
    const { input, out } = await setup('Clip.avi');
    const winner = join(media, 'Clip.mkv');
    // Another job (or program) publishes Clip.mkv between our check and our publish.
    const recordIntent = async () => writeFile(winner, 'THE OTHER JOB');
    await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG, recordIntent }), DestinationTakenError);
    assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
    assert.equal(await readFile(winner, 'utf8'), 'THE OTHER JOB');
    assert.deepEqual((await readdir(media)).sort(), ['Clip.avi', 'Clip.mkv']);
  });

  it('keep mode: a backup made for a swap that then fails is removed; the original stays', async () => {
    const { input, out } = await setup('Clip.avi');
    const recordIntent = async () => writeFile(join(media, 'Clip.mkv'), 'THE OTHER JOB');
    await assert.rejects(finalizeOutput({ input, temp: out, format: 'mkv', handling: 'keep', tag: TAG, recordIntent }), /already exists/);
    assert.deepEqual((await readdir(media)).sort(), ['Clip.avi', 'Clip.mkv']);
  });

  it('compares by identity: the same file under another spelling is the original, not a collision', async () => {
    // On a case-insensitive share `Movie.MKV` and `Movie.mkv` are one file; a hard link gives two
    // names for one inode here, which is what the check sees there.
    const { input, out } = await setup('Movie.MKV');
    await link(input, join(media, 'Movie.mkv'));
    assert.equal(await destinationProblem(input, 'mkv'), undefined);
    const result = await finalizeOutput({ input, temp: out, format: 'mkv', handling: 'replace', tag: TAG });
    assert.equal(result.outputPath, join(media, 'Movie.mkv'));
    assert.equal(await readFile(join(media, 'Movie.mkv'), 'utf8'), 'NEW');
    // The original's own name is never unlinked after a same-file swap (there it would be the new file).
    assert.ok((await readdir(media)).includes('Movie.MKV'));
  });

  it('records the intent before the swap; a restart finishes a swap that happened', async () => {
    const { input, out } = await setup('a.avi');
    let intent: FinalizeIntent | undefined;
    let sawOriginal = false;
    await finalizeOutput({
      input,
      temp: out,
      format: 'mkv',
      handling: 'replace',
      tag: TAG,
      recordIntent: async (i) => {
        intent = i;
        sawOriginal = (await readFile(input, 'utf8')) === 'ORIGINAL';
      },
    });
    assert.ok(intent && sawOriginal);
    // Pretend the process died right after the publish: the original and the staged name are back.
    const again = await setup('b.avi');
    let crashIntent: FinalizeIntent | undefined;
    await assert.rejects(
      finalizeOutput({
        input: again.input,
        temp: again.out,
        format: 'mkv',
        handling: 'replace',
        tag: TAG,
        recordIntent: async (i) => {
          crashIntent = i;
          // The swap happens, then the "crash": simulated by publishing by hand and throwing.
          await link(i.staging, i.final);
          throw new Error('killed');
        },
      }),
      /killed/,
    );
    assert.ok(crashIntent);
    const done = await recoverFinalize(crashIntent);
    assert.equal(done.done, true);
    assert.equal(await readFile(join(media, 'b.mkv'), 'utf8'), 'NEW');
    assert.ok(!(await readdir(media)).includes('b.avi'), 'the original goes once its replacement is in place');
  });

  it('a restart rolls back a swap that did not happen: staging and linked backup removed, original kept', async () => {
    const { input, out } = await setup('c.mkv');
    let intent: FinalizeIntent | undefined;
    await assert.rejects(
      finalizeOutput({
        input,
        temp: out,
        format: 'mkv',
        handling: 'keep',
        tag: TAG,
        recordIntent: async (i) => {
          intent = i;
          throw new Error('killed before the swap');
        },
      }),
    );
    assert.ok(intent);
    // What the crash would have left: the staged copy and the .old link.
    await writeFile(intent.staging, 'NEW');
    await link(input, intent.backup as string);
    assert.deepEqual(await recoverFinalize(intent), { done: false });
    assert.deepEqual(await readdir(media), ['c.mkv']);
    assert.equal(await readFile(input, 'utf8'), 'ORIGINAL');
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
        await finalizeOutput({ input, temp, format: 'mkv', handling: 'keep', tag: TAG });
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

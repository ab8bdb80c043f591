import assert from 'node:assert/strict';
import { parsePathMap, toCoordinatorPath, toWorkerPath } from '../../../src/remote/paths.js';

describe('remote path maps', () => {
  const maps = [parsePathMap('/media=/mnt/nas/media'), parsePathMap('/media/movies=/mnt/fast/movies'), parsePathMap('/share=Z:\\share')];

  const toWorker: Array<[string, string | undefined]> = [
    ['/media/tv/a.mkv', '/mnt/nas/media/tv/a.mkv'],
    ['/media/movies/b.mkv', '/mnt/fast/movies/b.mkv'], // the longest prefix wins
    ['/media', '/mnt/nas/media'],
    ['/mediaextra/c.mkv', undefined], // whole components only
    ['/other/d.mkv', undefined],
    ['/media/../etc/passwd', undefined],
    ['/share/x/y.mkv', 'Z:\\share\\x\\y.mkv'],
  ];
  for (const [from, want] of toWorker) {
    it(`coordinator ${from} → worker ${want ?? '(not visible)'}`, () => assert.equal(toWorkerPath(from, maps), want));
  }

  const toCoordinator: Array<[string, string | undefined]> = [
    ['/mnt/nas/media/tv/.a.0123456789abcdef.shrinkray.part.mkv', '/media/tv/.a.0123456789abcdef.shrinkray.part.mkv'],
    ['/mnt/fast/movies/b.mkv', '/media/movies/b.mkv'],
    ['/mnt/nas/mediax/b.mkv', undefined],
    ['Z:\\share\\x\\y.mkv', '/share/x/y.mkv'],
  ];
  for (const [from, want] of toCoordinator) {
    it(`worker ${from} → coordinator ${want ?? '(outside)'}`, () => assert.equal(toCoordinatorPath(from, maps), want));
  }

  const bad = ['media=/x', '/media', '=/x', '/media=', '/media=relative/x'];
  for (const text of bad) {
    it(`refuses "${text}" with a readable message`, () => assert.throws(() => parsePathMap(text), /path map/));
  }

  it('trims trailing slashes', () => assert.deepEqual(parsePathMap('/media/=/mnt/m/'), { coordinator: '/media', worker: '/mnt/m' }));
});

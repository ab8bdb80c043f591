// Builds the web panel (src/web) into dist/web: index.html plus content-hashed assets.
// `node scripts/build-web.mjs` (part of `npm run build`); tests import buildWeb().
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Returns the built files with their raw and gzipped sizes. */
export async function buildWeb({ outDir = join(ROOT, 'dist', 'web') } = {}) {
  const assets = join(outDir, 'assets');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/web/main.ts' },
    tsconfig: 'src/web/tsconfig.json',
    bundle: true,
    format: 'esm',
    // What Home Assistant's companion apps and current browsers run.
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    // Lit is BSD-3-Clause: its notice travels with the bundle.
    legalComments: 'eof',
    outdir: assets,
    entryNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => join(ROOT, p));
  const main = outputs.find((p) => basename(p).startsWith('main-') && p.endsWith('.js'));
  if (!main) throw new Error('esbuild produced no main bundle');
  const template = await readFile(join(ROOT, 'src', 'web', 'index.html'), 'utf8');
  await writeFile(join(outDir, 'index.html'), template.replace('%MAIN_JS%', relative(outDir, main)));
  const files = [];
  for (const path of [join(outDir, 'index.html'), ...outputs]) {
    const body = await readFile(path);
    files.push({ file: relative(outDir, path), bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildWeb();
  const total = files.reduce((n, f) => n + f.gzip, 0);
  for (const f of files) console.log(`web: ${f.file}  ${(f.bytes / 1024).toFixed(1)} KiB, ${(f.gzip / 1024).toFixed(1)} KiB gzipped`);
  console.log(`web: total ${(total / 1024).toFixed(1)} KiB gzipped`);
}

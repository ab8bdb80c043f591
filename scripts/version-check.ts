/**
 * Fails when the add-on's version is not the same everywhere it is written:
 *   config.yaml `version` (the Supervisor pulls `<image>:<version>`) = package.json `version`
 *   = package-lock.json's root version; and CHANGELOG.md agrees:
 *   - one `## [Unreleased]` section, first;
 *   - released sections are `## [X.Y.Z] - YYYY-MM-DD`, newest first, each once;
 *   - when anything has been released, the newest released section is the current version
 *     (a release bumps the version and turns [Unreleased] into its section in the same commit);
 *     before the first release there is no released section and nothing to compare;
 *   - with `--tag vX.Y.Z` (the image workflow, on a release tag): the tag is `v<version>` and the
 *     version has its section.
 * Usage: node --import tsx scripts/version-check.ts [--root DIR] [--tag vX.Y.Z]
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

export interface VersionFiles {
  configYaml: string;
  packageJson: string;
  packageLock?: string;
  changelog: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
const HEADING = /^## \[([^\]]+)\](.*)$/gm;

/** Numeric compare of X.Y.Z (pre-release suffixes compare as lower than the plain version). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => {
    const [core = '', pre] = v.split('-', 2);
    return { nums: core.split('.').map(Number), pre };
  };
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i += 1) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** Every problem found; empty when the versions agree. */
export function checkVersions(files: VersionFiles, tag?: string): string[] {
  const problems: string[] = [];
  let manifest: { version?: unknown };
  let pkg: { version?: unknown };
  try {
    manifest = (parse(files.configYaml) ?? {}) as { version?: unknown };
  } catch (error) {
    return [`config.yaml does not parse: ${(error as Error).message}`];
  }
  try {
    pkg = JSON.parse(files.packageJson) as { version?: unknown };
  } catch (error) {
    return [`package.json does not parse: ${(error as Error).message}`];
  }
  const version = typeof pkg.version === 'string' ? pkg.version : '';
  if (!SEMVER.test(version)) problems.push(`package.json version "${String(pkg.version)}" is not X.Y.Z`);
  if (manifest.version !== version) problems.push(`config.yaml version "${String(manifest.version)}" differs from package.json version "${version}"`);
  if (files.packageLock !== undefined) {
    const lock = JSON.parse(files.packageLock) as { version?: unknown; packages?: Record<string, { version?: unknown }> };
    const root = lock.packages?.['']?.version;
    if (lock.version !== version || (root !== undefined && root !== version)) {
      problems.push(`package-lock.json version "${String(lock.version)}" differs from package.json version "${version}" (run npm install)`);
    }
  }

  const headings = [...files.changelog.matchAll(HEADING)].map((m) => ({ name: m[1] ?? '', rest: (m[2] ?? '').trim() }));
  const unreleased = headings.filter((h) => h.name === 'Unreleased');
  if (unreleased.length !== 1) problems.push(`CHANGELOG.md must have exactly one "## [Unreleased]" section (found ${unreleased.length})`);
  else if (headings[0]?.name !== 'Unreleased') problems.push('CHANGELOG.md: "## [Unreleased]" must come before every released section');
  const released = headings.filter((h) => h.name !== 'Unreleased');
  const seen = new Set<string>();
  for (const h of released) {
    if (!SEMVER.test(h.name)) problems.push(`CHANGELOG.md: "## [${h.name}]" is not a version`);
    else if (!/^- \d{4}-\d{2}-\d{2}$/.test(h.rest)) problems.push(`CHANGELOG.md: "## [${h.name}]" needs its release date: "## [${h.name}] - YYYY-MM-DD"`);
    if (seen.has(h.name)) problems.push(`CHANGELOG.md: "## [${h.name}]" appears twice`);
    seen.add(h.name);
  }
  const versions = released.map((h) => h.name).filter((v) => SEMVER.test(v));
  for (let i = 1; i < versions.length; i += 1) {
    if (compareVersions(versions[i - 1] ?? '', versions[i] ?? '') <= 0) problems.push(`CHANGELOG.md: released sections must be newest first ("${versions[i - 1]}" before "${versions[i]}")`);
  }
  const newest = versions[0];
  if (newest !== undefined && newest !== version) {
    problems.push(`CHANGELOG.md's newest release is ${newest} but the version is ${version}: bump both together (config.yaml, package.json, and the "## [${version}]" section)`);
  }
  if (tag !== undefined) {
    if (tag !== `v${version}`) problems.push(`tag ${tag} does not match the version ${version} (expected v${version})`);
    if (!seen.has(version)) problems.push(`tag ${tag}: CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section`);
  }
  return problems;
}

export async function readVersionFiles(root: string): Promise<VersionFiles> {
  const read = (name: string) => readFile(join(root, name), 'utf8');
  const lock = await read('package-lock.json').catch(() => undefined);
  const files: VersionFiles = { configYaml: await read('config.yaml'), packageJson: await read('package.json'), changelog: await read('CHANGELOG.md') };
  if (lock !== undefined) files.packageLock = lock;
  return files;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { root: { type: 'string' }, tag: { type: 'string' } }, strict: true });
  const root = resolve(values.root ?? process.cwd());
  const problems = checkVersions(await readVersionFiles(root), values.tag);
  if (problems.length > 0) {
    process.stderr.write(`version check failed:\n  ${problems.join('\n  ')}\n`);
    return 1;
  }
  const version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  process.stdout.write(`version check: ${version} in config.yaml, package.json, package-lock.json and CHANGELOG.md${values.tag ? ` (tag ${values.tag})` : ''}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`version check: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}

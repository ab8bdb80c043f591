import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkVersions, compareVersions, readVersionFiles } from '../../../scripts/version-check.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const SCRIPT = join(ROOT, 'scripts/version-check.ts');

const CHANGELOG = (sections: string) => `# Changelog\n\n## [Unreleased]\n\n### Added\n- a thing\n${sections}`;
const files = (version: string, changelog: string, manifestVersion = version) => ({
  configYaml: `name: Shrinkray\nversion: "${manifestVersion}"\n`,
  packageJson: JSON.stringify({ name: 'x', version }),
  packageLock: JSON.stringify({ version, packages: { '': { version } } }),
  changelog,
});

describe('version check (config.yaml, package.json, package-lock.json, CHANGELOG.md)', function () {
  this.timeout(60_000);

  it('passes on this repository as it is', async () => {
    assert.deepEqual(checkVersions(await readVersionFiles(ROOT)), []);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: ROOT });
    assert.match(stdout, /^version check: \d+\.\d+\.\d+ in config\.yaml/);
  });

  it('before the first release there is nothing to compare; after it the newest section is the version', () => {
    assert.deepEqual(checkVersions(files('0.1.0', CHANGELOG(''))), []);
    assert.deepEqual(checkVersions(files('0.2.0', CHANGELOG('\n## [0.2.0] - 2026-02-01\n\n## [0.1.0] - 2026-01-01\n'))), []);
    assert.match(checkVersions(files('0.3.0', CHANGELOG('\n## [0.2.0] - 2026-02-01\n'))).join('\n'), /newest release is 0\.2\.0 but the version is 0\.3\.0/);
  });

  it('refuses every kind of drift, each with its own message', () => {
    const problems = (f: ReturnType<typeof files>, tag?: string) => checkVersions(f, tag).join('\n');
    assert.match(problems(files('0.2.0', CHANGELOG(''), '0.1.0')), /config\.yaml version "0\.1\.0" differs from package\.json version "0\.2\.0"/);
    assert.match(problems({ ...files('0.2.0', CHANGELOG('')), packageLock: JSON.stringify({ version: '0.1.0' }) }), /package-lock\.json version "0\.1\.0"/);
    assert.match(problems(files('0.2', CHANGELOG(''))), /is not X\.Y\.Z/);
    assert.match(problems(files('0.1.0', '# Changelog\n\n## [0.1.0] - 2026-01-01\n')), /exactly one "## \[Unreleased\]"/);
    assert.match(problems(files('0.1.0', '# Changelog\n\n## [0.1.0] - 2026-01-01\n\n## [Unreleased]\n')), /must come before every released section/);
    assert.match(problems(files('0.2.0', CHANGELOG('\n## [0.2.0]\n'))), /needs its release date/);
    assert.match(problems(files('0.2.0', CHANGELOG('\n## [0.1.0] - 2026-01-01\n\n## [0.2.0] - 2026-02-01\n'))), /newest first/);
    assert.match(problems(files('0.2.0', CHANGELOG('\n## [0.2.0] - 2026-02-01\n\n## [0.2.0] - 2026-02-01\n'))), /appears twice/);
  });

  it('on a release tag, the tag is v<version> and the version has its section', () => {
    const released = files('0.2.0', CHANGELOG('\n## [0.2.0] - 2026-02-01\n'));
    assert.deepEqual(checkVersions(released, 'v0.2.0'), []);
    assert.match(checkVersions(released, 'v0.2.1').join('\n'), /tag v0\.2\.1 does not match the version 0\.2\.0/);
    assert.match(checkVersions(files('0.1.0', CHANGELOG('')), 'v0.1.0').join('\n'), /has no "## \[0\.1\.0\] - YYYY-MM-DD" section/);
  });

  it('orders versions numerically', () => {
    assert.ok(compareVersions('0.10.0', '0.9.9') > 0);
    assert.ok(compareVersions('1.0.0-rc.1', '1.0.0') < 0);
    assert.equal(compareVersions('2.1.3', '2.1.3'), 0);
  });

  it('the script exits 1 and names the files when a copy of the repository drifts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'version-check-'));
    try {
      for (const name of ['config.yaml', 'package.json', 'package-lock.json', 'CHANGELOG.md']) await cp(join(ROOT, name), join(dir, name));
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: '9.9.9' }));
      const failed = await run(process.execPath, ['--import', 'tsx', SCRIPT, '--root', dir], { cwd: ROOT }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      assert.ok(failed, 'the script must fail');
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /config\.yaml version "[^"]+" differs from package\.json version "9\.9\.9"/);
      assert.match(failed.stderr, /package-lock\.json version/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

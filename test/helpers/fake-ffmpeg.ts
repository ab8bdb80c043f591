/**
 * A fake `ffmpeg` executable for end-to-end tests of detection, the fallback chain and the
 * watchdog. Point the `ffmpeg_path` setting at `fake.path`. Every call is logged; rules decide
 * which calls fail, stall or die; everything else runs the real ffmpeg, with hardware encoders
 * swapped for software ones (see fake-ffmpeg.mjs).
 */

import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type FakeCallKind = 'listing' | 'filters' | 'vmaf-help' | 'test' | 'transcode' | 'other';

/** First matching rule wins. Every condition given must hold. */
export interface FakeRule {
  kind?: FakeCallKind;
  /** The `-c:v` value. */
  encoder?: string;
  /** A substring of the `-i` value. */
  input?: string;
  /** Argv elements that must all be present, e.g. `-hwaccel` or `cuda=cu:0`. */
  has?: string[];
  lacks?: string[];
  /** Substrings that must each appear in some argv element, e.g. `renderD129`. */
  hasText?: string[];
  /** ok: exit 0 at once; fail: stderr + exit code; stall: progress stops; kill: SIGKILL itself; delegate: run it. */
  action: 'ok' | 'fail' | 'stall' | 'kill' | 'delegate';
  exitCode?: number;
  stderr?: string[];
  /** stall: frames reported before progress stops (0 = not even a first frame). */
  afterFrames?: number;
  /** fail: frames reported before failing, so that progress moved. */
  progressFrames?: number;
}

export interface FakeControl {
  /** Encoder names to add to / remove from the real `-encoders` listing; fail = the listing fails. */
  listing?: { add?: string[]; remove?: string[]; fail?: boolean };
  /** Pretend libvmaf is built in ('4k': with the 4K model). */
  vmaf?: boolean | '4k';
  rules?: FakeRule[];
}

export interface FakeCall {
  kind: FakeCallKind;
  encoder: string | null;
  input: string | null;
  action: string;
  rule: number | null;
  args: string[];
}

const SCRIPT = fileURLToPath(new URL('./fake-ffmpeg.mjs', import.meta.url));
let realOutput: Promise<{ real: string; listing: string; filters: string }> | undefined;

/** The real ffmpeg's path and listings, once per test process. */
function real(): Promise<{ real: string; listing: string; filters: string }> {
  realOutput ??= (async () => {
    const { stdout: where } = await run('sh', ['-c', 'command -v ffmpeg']);
    const path = where.trim();
    const [listing, filters] = await Promise.all([
      run(path, ['-hide_banner', '-encoders'], { maxBuffer: 8 << 20 }),
      run(path, ['-hide_banner', '-filters'], { maxBuffer: 8 << 20 }),
    ]);
    return { real: path, listing: listing.stdout, filters: filters.stdout };
  })();
  return realOutput;
}

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export class FakeFfmpeg {
  private constructor(
    readonly path: string,
    private readonly controlPath: string,
    private readonly callsPath: string,
  ) {}

  /** Writes the wrapper, control file and call log into `dir` (which must exist). */
  static async create(dir: string, control: FakeControl = {}): Promise<FakeFfmpeg> {
    const fake = new FakeFfmpeg(join(dir, 'ffmpeg'), join(dir, 'fake-ffmpeg.json'), join(dir, 'fake-ffmpeg-calls.jsonl'));
    await writeFile(fake.callsPath, '');
    await fake.set(control);
    const wrapper = [
      '#!/bin/bash',
      '# Fake ffmpeg for tests (test/helpers/fake-ffmpeg.ts).',
      `export FAKE_FFMPEG_CONTROL=${quote(fake.controlPath)}`,
      '# Loading a CA bundle costs Node ~150 ms per start; the fake never opens a connection.',
      'unset NODE_EXTRA_CA_CERTS',
      `mapfile -d '' -t plan < <(${quote(process.execPath)} ${quote(SCRIPT)} plan "$@")`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash array syntax, not a template
      'if [ "${plan[0]}" = delegate ]; then exec "${plan[@]:1}"; fi',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash array syntax, not a template
      'if [ "${plan[0]}" = exit ]; then printf %s "${plan[2]}"; exit "${plan[1]}"; fi',
      `exec ${quote(process.execPath)} ${quote(SCRIPT)} emulate "$@"`,
      '',
    ].join('\n');
    await writeFile(fake.path, wrapper);
    await chmod(fake.path, 0o755);
    return fake;
  }

  /** Replaces the rules; the next call sees them. */
  async set(control: FakeControl): Promise<void> {
    const r = await real();
    const body = { ...control, real: r.real, calls: this.callsPath, realOutput: { listing: r.listing, filters: r.filters } };
    await writeFile(this.controlPath, JSON.stringify(body));
  }

  async calls(): Promise<FakeCall[]> {
    const text = await readFile(this.callsPath, 'utf8');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as FakeCall);
  }

  async clearCalls(): Promise<void> {
    await writeFile(this.callsPath, '');
  }
}

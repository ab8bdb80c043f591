// A stand-in for ffmpeg in tests, run through the bash wrapper that fake-ffmpeg.ts writes.
//
// `node fake-ffmpeg.mjs plan <ffmpeg args>` decides what to do with one call, appends the call to
// the control file's log, and prints NUL-separated words for the wrapper:
// - `delegate <real ffmpeg> <args>`: the wrapper execs the real ffmpeg, so a kill reaches it;
// - `exit <code> <stdout>`: answered already (listings, test encodes, plain failures), stderr written;
// - `emulate`: the wrapper execs `node fake-ffmpeg.mjs emulate <args>`, which streams progress and
//   then fails, stalls or kills itself, as the process the caller is watching.
//
// Hardware encoders never run for real: a transcode that uses one is rewritten to libx265 /
// libsvtav1 with the GPU options and filters removed, so the output is a real file.

import { appendFileSync, readFileSync } from 'node:fs';

const [, , phase, ...args] = process.argv;
const control = JSON.parse(readFileSync(process.env.FAKE_FFMPEG_CONTROL ?? '', 'utf8'));
const HW = /_(nvenc|qsv|vaapi|videotoolbox)$/;
const TEST_SOURCE = 'color=c=black:s=256x256:d=0.1';

const valueAfter = (flag) => {
  const i = args.lastIndexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const encoder = valueAfter('-c:v');
const input = valueAfter('-i');
const kind = args.includes('-encoders')
  ? 'listing'
  : args.includes('-filters')
    ? 'filters'
    : args.includes('filter=libvmaf')
      ? 'vmaf-help'
      : input === TEST_SOURCE
        ? 'test'
        : args.includes('-progress') && !args.includes('-sseof')
          ? 'transcode'
          : 'other';

function matches(rule) {
  if (rule.kind !== undefined && rule.kind !== kind) return false;
  if (rule.encoder !== undefined && rule.encoder !== encoder) return false;
  if (rule.input !== undefined && !(input ?? '').includes(rule.input)) return false;
  if (rule.has?.some((a) => !args.includes(a))) return false;
  if (rule.lacks?.some((a) => args.includes(a))) return false;
  if (rule.hasText?.some((t) => !args.some((a) => a.includes(t)))) return false;
  return true;
}

function decide() {
  const index = (control.rules ?? []).findIndex(matches);
  if (index >= 0) return { action: control.rules[index].action, rule: index };
  if (kind === 'listing' || kind === 'filters' || kind === 'vmaf-help') return { action: 'list', rule: null };
  // Test encodes of hardware encoders fail unless a rule says otherwise, so a real GPU on the test
  // machine cannot change the result; software ones pass at once (a rule can delegate them).
  if (kind === 'test') return { action: encoder && HW.test(encoder) ? 'no-device' : 'ok', rule: null };
  return { action: 'delegate', rule: null };
}

/** Splits a -vf chain on commas outside single quotes. */
function splitFilters(chain) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (const ch of chain) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** The CPU equivalent of a hardware filter chain; null when nothing is left. */
function cpuFilters(chain) {
  const kept = [];
  for (const f of splitFilters(chain)) {
    if (f.startsWith('hwupload') || /^format=[^,]*\|/.test(f) || f === 'format=nv12' || f === 'format=p010') continue;
    const scaler = /^scale_(cuda|qsv|vaapi)=(.*)$/.exec(f);
    if (scaler) {
      const opts = splitOpts(scaler[2] ?? '').filter((o) => o.startsWith('w=') || o.startsWith('h='));
      if (opts.length > 0) kept.push(`scale=${opts.join(':')}`);
      continue;
    }
    kept.push(f);
  }
  return kept.length > 0 ? kept.join(',') : null;
}

function splitOpts(s) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === "'") quoted = !quoted;
    if (ch === ':' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const GPU_OPTIONS = new Set(['-init_hw_device', '-filter_hw_device', '-hwaccel', '-hwaccel_output_format', '-vaapi_device']);
const HW_ENCODER_OPTIONS = new Set(['-cq', '-global_quality', '-qp', '-rc', '-tune', '-allow_sw', '-b:v', '-preset']);

/** The same job for a software encoder: what the fake runs in place of a GPU. */
function softwareArgs() {
  if (!encoder || !HW.test(encoder)) return args;
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (GPU_OPTIONS.has(a) || HW_ENCODER_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a === '-c:v') {
      const av1 = args[i + 1]?.startsWith('av1');
      out.push('-c:v', av1 ? 'libsvtav1' : 'libx265', '-preset', av1 ? '12' : 'ultrafast');
      i++;
      continue;
    }
    if (a === '-vf') {
      const vf = cpuFilters(args[i + 1] ?? '');
      if (vf) out.push('-vf', vf);
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function progressBlock(frame) {
  const us = Math.round((frame / 25) * 1e6);
  return `frame=${frame}\nfps=25.0\nout_time_us=${us}\nout_time_ms=${us}\nspeed=N/A\nprogress=continue\n`;
}

const PREAMBLE = [`Input #0, matroska,webm, from '${input}':`, 'Stream mapping:', `  Stream #0:0 -> #0:0 (h264 (native) -> hevc (${encoder}))`];

const lines = (list) => list.map((l) => `${l}\n`).join('');

/** Calls answered at once with an exit code, stdout and stderr (no streaming, no waiting). */
function quick(action, r) {
  switch (action) {
    case 'list':
      return list();
    case 'no-device':
      return { code: 1, stdout: '', stderr: lines(['Device creation failed: -1.', 'Failed to set value for option init_hw_device: Input/output error']) };
    case 'ok':
      return { code: 0, stdout: '', stderr: '' };
    case 'fail':
      if (r.progressFrames) return null;
      return { code: r.exitCode ?? 1, stdout: '', stderr: lines([...PREAMBLE, ...(r.stderr ?? ['Conversion failed!'])]) };
    default:
      return null;
  }
}

/** Calls that stream progress or die: run as the process the caller is watching. */
async function emulate() {
  const { action, rule } = decide();
  const r = rule === null ? {} : control.rules[rule];
  process.stderr.write(lines(PREAMBLE));
  switch (action) {
    case 'fail':
      for (let f = 1; f <= (r.progressFrames ?? 0); f++) {
        process.stdout.write(progressBlock(f));
        await sleep(10);
      }
      process.stderr.write(lines(r.stderr ?? ['Conversion failed!']));
      process.exitCode = r.exitCode ?? 1;
      return;
    case 'kill':
      process.stderr.write(lines(r.stderr ?? []));
      process.kill(process.pid, 'SIGKILL');
      return;
    case 'stall':
      return stall(r.afterFrames ?? 0);
    default:
      process.stderr.write(`fake ffmpeg: cannot emulate ${action}\n`);
      process.exitCode = 99;
  }
}

/** Frames 1..n, then the same block again and again: ffmpeg alive, nothing moving. Never returns. */
async function stall(frames) {
  for (let f = 1; f <= frames; f++) {
    process.stdout.write(progressBlock(f));
    await sleep(10);
  }
  for (;;) {
    process.stdout.write(progressBlock(frames));
    await sleep(200);
  }
}

function list() {
  if (kind === 'listing' && control.listing?.fail) {
    return { code: 127, stdout: '', stderr: 'ffmpeg: error while loading shared libraries: libavdevice.so.59\n' };
  }
  if (kind === 'vmaf-help') {
    if (!control.vmaf) return { code: 1, stdout: '', stderr: "Unknown filter 'libvmaf'.\n" };
    const model = '  model  <string> ..FV....... Set the model to be used (default "version=vmaf_v0.6.1")\n';
    return { code: 0, stdout: `Filter libvmaf\n${model}${control.vmaf === '4k' ? '  (vmaf_4k_v0.6.1 built in)\n' : ''}`, stderr: '' };
  }
  let text = control.realOutput?.[kind] ?? '';
  if (kind === 'listing') {
    const remove = new Set(control.listing?.remove ?? []);
    text = text
      .split('\n')
      .filter((line) => !remove.has(line.trim().split(/\s+/)[1] ?? ''))
      .join('\n');
    for (const name of control.listing?.add ?? []) {
      if (!new RegExp(`\\s${name}\\s`).test(text)) text += ` V....D ${name.padEnd(20)} ${name} (pretend)\n`;
    }
  }
  if (kind === 'filters' && control.vmaf) text += ' ... libvmaf           VV->V      Calculate the VMAF between two video streams.\n';
  return { code: 0, stdout: text, stderr: '' };
}

if (phase === 'plan') {
  const decision = decide();
  appendFileSync(control.calls, `${JSON.stringify({ kind, encoder: encoder ?? null, input: input ?? null, action: decision.action, rule: decision.rule, args })}\n`);
  const answer = decision.action === 'delegate' ? null : quick(decision.action, decision.rule === null ? {} : control.rules[decision.rule]);
  if (decision.action === 'delegate') {
    process.stdout.write(['delegate', control.real, ...softwareArgs()].join('\0'));
  } else if (answer) {
    process.stderr.write(answer.stderr);
    process.stdout.write(['exit', String(answer.code), answer.stdout].join('\0'));
  } else {
    process.stdout.write('emulate');
  }
} else if (phase === 'emulate') {
  await emulate();
} else {
  process.stderr.write('fake ffmpeg: run me through the wrapper\n');
  process.exitCode = 2;
}

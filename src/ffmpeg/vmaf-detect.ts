/**
 * Finds an ffmpeg whose libvmaf really scores (issue 9, like D15 for encoders): listing the filter
 * is not enough, because libvmaf 1.x builds fail at run time without a model file. A one-frame
 * score proves it.
 */

import { access } from 'node:fs/promises';
import type { CommandRunner } from './command.js';
import { lastLine } from './detect-plan.js';
import { modelName, parseVmafScore, UNSAFE_FILTER_PATH, type VmafScorer, vmafFilter } from './vmaf.js';

export interface VmafDetection {
  available: boolean;
  /** `vmaf_models` of GET /api/encoders: the model scoring uses; null without scoring. */
  models: string[] | null;
  /** How to score; null when scoring does not work. */
  scorer: VmafScorer | null;
  /** Why not, or what was found: shown by POST /api/encoders/detect, the logs and the 400 of a SmartShrink job. */
  detail: string;
}

export interface VmafDetectDeps {
  /** The main ffmpeg, used when `vmafFfmpeg` is empty. */
  ffmpeg: string;
  /** `vmaf_ffmpeg`: a separate scoring build. */
  vmafFfmpeg: string;
  /** `vmaf_model`: a model file for builds that need one (libvmaf 1.x: the `.pkl` with its `.pkl.model` beside it). */
  vmafModel: string;
  run: CommandRunner;
  signal?: AbortSignal;
  /** Whether a file exists (tests may script it). */
  exists?: (path: string) => Promise<boolean>;
}

export const DEFAULT_MODEL = 'vmaf_v0.6.1';
const TIMEOUT_MS = 15_000;
const TEST_INPUT = 'testsrc2=s=160x90:r=25:d=0.04';

const unavailable = (detail: string): VmafDetection => ({ available: false, models: null, scorer: null, detail });

const fileExists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** The libvmaf options ffmpeg lists (`model_path`, `model`, `n_subsample`, …). */
export function libvmafOptions(help: string): Set<string> {
  const options = new Set<string>();
  for (const match of help.matchAll(/^\s{2}([a-z_]+)\s+<[a-z]+>/gm)) if (match[1]) options.add(match[1]);
  return options;
}

/**
 * The line that says why scoring failed. libvmaf 1.x writes its errors to stdout and ffmpeg still
 * exits 0, so a missing score, not the exit code, is what tells a failure.
 */
export function vmafProblem(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  return lines.find((l) => /exception|error|cannot|failed|invalid|not found/i.test(l)) ?? (lastLine(output) || 'no VMAF score in its output');
}

/** The model option to try for this build, or a reason why none can work. */
export function modelOptionFor(options: ReadonlySet<string>, modelFile: string): { option: string; model: string } | { problem: string } {
  if (modelFile) {
    if (UNSAFE_FILTER_PATH.test(modelFile)) return { problem: `the vmaf_model path ${modelFile} holds a character ffmpeg filters cannot carry (: ' \\ , ; [ ] | = or a space); move the file` };
    const model = modelName(modelFile);
    if (/\.json$/i.test(modelFile) && options.has('model')) return { option: `model=path=${modelFile}`, model };
    if (options.has('model_path')) return { option: `model_path=${modelFile}`, model };
    if (options.has('model')) return { option: `model=path=${modelFile}`, model };
    return { problem: 'this libvmaf takes no model option' };
  }
  if (options.has('model')) return { option: `model=version=${DEFAULT_MODEL}`, model: DEFAULT_MODEL };
  // libvmaf 1.x: its compiled-in default path (often /usr/local/share/model/…) may or may not exist.
  return { option: '', model: DEFAULT_MODEL };
}

/**
 * The one-frame scoring command for a candidate: a synthetic frame against a blurred copy, so libvmaf
 * really computes. The source is a filter inside the graph, not `-f lavfi` (an input device, which a
 * scoring-only build made with --disable-devices, like the add-on's, does not have).
 */
export function testScoreArgs(option: string): string[] {
  const graph = vmafFilter({ height: 90, threads: 1, subsample: 1, modelOption: option }).replace('[0:v]', '[dist0]').replace('[1:v]', '[ref0]');
  return ['-hide_banner', '-nostdin', '-nostats', '-filter_complex', `${TEST_INPUT},split[src][ref0];[src]boxblur=1[dist0];${graph}`, '-f', 'null', '-'];
}

export async function detectVmaf(d: VmafDetectDeps): Promise<VmafDetection> {
  const ffmpeg = d.vmafFfmpeg || d.ffmpeg;
  const which = d.vmafFfmpeg ? `vmaf_ffmpeg (${ffmpeg})` : `ffmpeg (${ffmpeg})`;
  const help = await d.run(ffmpeg, ['-hide_banner', '-h', 'filter=libvmaf'], { timeoutMs: TIMEOUT_MS, signal: d.signal });
  if (!help.ok) return unavailable(`${which} cannot be run: ${lastLine(help.stderr) || 'failed'}`);
  if (!/Filter libvmaf/.test(help.stdout)) {
    return unavailable(`${which} has no libvmaf filter${d.vmafFfmpeg ? '' : '; set vmaf_ffmpeg (--vmaf-ffmpeg) to an ffmpeg built with libvmaf'}`);
  }
  const options = libvmafOptions(help.stdout);
  if (d.vmafModel && !(await (d.exists ?? fileExists)(d.vmafModel))) return unavailable(`the vmaf_model file ${d.vmafModel} does not exist`);
  const choice = modelOptionFor(options, d.vmafModel);
  if ('problem' in choice) return unavailable(choice.problem);
  const test = await d.run(ffmpeg, testScoreArgs(choice.option), { timeoutMs: TIMEOUT_MS, signal: d.signal });
  const score = parseVmafScore(`${test.stdout}\n${test.stderr}`);
  if (!test.ok || score === undefined) {
    const why = test.timedOut ? 'timed out' : vmafProblem(`${test.stdout}\n${test.stderr}`);
    const hint = choice.option === '' ? '; this libvmaf needs a model file: set vmaf_model (--vmaf-model) to vmaf_v0.6.1.pkl with vmaf_v0.6.1.pkl.model beside it' : '';
    return unavailable(`${which}: a one-frame VMAF test failed: ${why}${hint}`);
  }
  const scorer: VmafScorer = { ffmpeg, modelOption: choice.option, model: choice.model, subsample: options.has('n_subsample') };
  return { available: true, models: [choice.model], scorer, detail: `${which} scores with libvmaf (${choice.option || 'its default model'})` };
}

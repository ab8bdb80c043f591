/** Encoder detection (upstream-behaviour §5.4/§5.5, D15): runs the test encodes of detect-plan.ts. */

import type { CommandRunner } from './command.js';
import { isListed, lastLine, orderEncoders, testEncodes, vmafModels } from './detect-plan.js';
import { ENCODER_SPECS, type EncoderInfo, type EncoderSpec } from './encoders.js';

/** One row of the detection report: every encoder we know, whether it works and why (not). */
export interface DetectedEncoder {
  /** With the init mode / device the working test encode used. */
  info: EncoderInfo;
  available: boolean;
  /** `test encode passed (explicit)`, `not listed by ffmpeg -encoders`, `test encode failed: …`. */
  detail: string;
}

export interface Detection {
  detected_at: string;
  duration_ms: number;
  /** False when `ffmpeg -encoders` itself failed: ffmpeg is missing or broken. */
  listed: boolean;
  results: DetectedEncoder[];
  /** The working ones, HEVC first then AV1, each in priority order. */
  available: EncoderInfo[];
  vmaf: { available: boolean; models: string[] | null };
}

export interface DetectDeps {
  ffmpeg: string;
  run: CommandRunner;
  /** Sorted `/dev/dri/renderD*` paths (injectable so tests need no GPU). */
  renderNodes: () => Promise<string[]>;
  platform: string;
  signal?: AbortSignal;
  clock?: () => Date;
  /** Monotonic-ish milliseconds for the time budget (tests script it). */
  now?: () => number;
  /** Shared by all test encodes of one encoder (upstream: 10 s). */
  perEncoderTimeoutMs?: number;
}

const LISTING_TIMEOUT_MS = 10_000;

async function tryEncoder(spec: EncoderSpec, nodes: string[], d: DetectDeps): Promise<DetectedEncoder> {
  const variants = testEncodes(spec, nodes, d.platform);
  const info: EncoderInfo = { accel: spec.accel, codec: spec.codec, encoder: spec.encoder, description: spec.description };
  if (variants.length === 0) return { info, available: false, detail: 'no VAAPI render node (/dev/dri/renderD*) found' };
  const budget = d.perEncoderTimeoutMs ?? 10_000;
  const now = d.now ?? Date.now;
  const started = now();
  const failures: string[] = [];
  for (const v of variants) {
    const left = budget - (now() - started);
    if (left <= 0 || d.signal?.aborted) {
      failures.push(`${v.variant}: not tried, out of time`);
      break;
    }
    const result = await d.run(d.ffmpeg, v.args, { timeoutMs: left, signal: d.signal });
    if (result.ok) return { info: v.info, available: true, detail: `test encode passed (${v.variant})` };
    const why = result.timedOut ? 'timed out' : lastLine(result.stderr) || 'failed';
    failures.push(variants.length > 1 ? `${v.variant}: ${why}` : why);
  }
  return { info, available: false, detail: `test encode failed: ${failures.join('; ')}` };
}

async function detectVmaf(d: DetectDeps): Promise<Detection['vmaf']> {
  const filters = await d.run(d.ffmpeg, ['-hide_banner', '-filters'], { timeoutMs: LISTING_TIMEOUT_MS, signal: d.signal });
  if (!filters.ok || !/\blibvmaf\b/.test(filters.stdout)) return { available: false, models: null };
  const help = await d.run(d.ffmpeg, ['-hide_banner', '-h', 'filter=libvmaf'], { timeoutMs: LISTING_TIMEOUT_MS, signal: d.signal });
  return { available: true, models: vmafModels(filters.stdout, help.stdout) };
}

/**
 * Lists ffmpeg's encoders, then proves each listed one with a real one-frame encode. Hardware
 * encoders are tried one after another (two GPU inits at once can fail where one would not);
 * the software ones and the VMAF check run beside them.
 */
export async function detectEncoders(d: DetectDeps): Promise<Detection> {
  const clock = d.clock ?? (() => new Date());
  const now = d.now ?? Date.now;
  const started = now();
  const listing = await d.run(d.ffmpeg, ['-hide_banner', '-encoders'], { timeoutMs: LISTING_TIMEOUT_MS, signal: d.signal });
  const base = (s: EncoderSpec): EncoderInfo => ({ accel: s.accel, codec: s.codec, encoder: s.encoder, description: s.description });
  if (!listing.ok) {
    const why = listing.timedOut ? 'timed out' : lastLine(listing.stderr) || 'failed';
    return {
      detected_at: clock().toISOString(),
      duration_ms: now() - started,
      listed: false,
      results: ENCODER_SPECS.map((s) => ({ info: base(s), available: false, detail: `ffmpeg -encoders failed: ${why}` })),
      available: [],
      vmaf: { available: false, models: null },
    };
  }
  const nodes = await d.renderNodes().catch(() => []);
  const check = (s: EncoderSpec): Promise<DetectedEncoder> =>
    isListed(listing.stdout, s.encoder)
      ? tryEncoder(s, nodes, d)
      : Promise.resolve({ info: base(s), available: false, detail: 'not listed by ffmpeg -encoders' });
  const sequential = async (specs: EncoderSpec[]): Promise<DetectedEncoder[]> => {
    const out: DetectedEncoder[] = [];
    for (const s of specs) out.push(await check(s));
    return out;
  };
  const [software, hardware, vmaf] = await Promise.all([
    sequential(ENCODER_SPECS.filter((s) => s.accel === 'none')),
    sequential(ENCODER_SPECS.filter((s) => s.accel !== 'none')),
    detectVmaf(d),
  ]);
  const byKey = new Map([...software, ...hardware].map((r) => [`${r.info.accel}/${r.info.codec}`, r]));
  const results = ENCODER_SPECS.map((s) => byKey.get(`${s.accel}/${s.codec}`)).filter((r): r is DetectedEncoder => r !== undefined);
  return {
    detected_at: clock().toISOString(),
    duration_ms: now() - started,
    listed: true,
    results,
    available: orderEncoders(results.filter((r) => r.available).map((r) => r.info)),
    vmaf,
  };
}

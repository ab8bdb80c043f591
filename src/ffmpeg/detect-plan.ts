/**
 * The pure half of encoder detection (upstream-behaviour §5.4, D15): which one-frame test
 * encodes prove that an encoder works, and how to read ffmpeg's listings.
 */

import { join } from 'node:path';
import { ENCODER_PRIORITY, type EncoderInfo, type EncoderSpec } from './encoders.js';

/** Input of every test encode. 256x256 because QSV rejects very small frames. */
export const TEST_SOURCE = 'color=c=black:s=256x256:d=0.1';

/** One way of initialising an encoder, and what the argument builder must remember if it works. */
export interface TestEncode {
  /** Short name for logs and results: `plain`, `simple`, `explicit`, `direct`, `vaapi-derived /dev/dri/renderD128`. */
  variant: string;
  args: string[];
  info: EncoderInfo;
}

/** Whether `ffmpeg -encoders` names this encoder (a whole word, not a substring of another name). */
export function isListed(listing: string, encoder: string): boolean {
  return new RegExp(`(^|\\s)${encoder.replace(/[^a-z0-9_]/gi, '')}(\\s|$)`, 'm').test(listing);
}

/** `/dev/dri` entries that are render nodes, in number order (renderD128 before renderD129 before renderD1000). */
export function renderNodesOf(driDir: string, names: readonly string[]): string[] {
  return names
    .filter((n) => /^renderD\d+$/.test(n))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)))
    .map((n) => join(driDir, n));
}

function command(encoder: string, init: readonly string[], vf: string | null): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...init,
    '-f',
    'lavfi',
    '-i',
    TEST_SOURCE,
    ...(vf ? ['-vf', vf] : []),
    '-frames:v',
    '1',
    '-c:v',
    encoder,
    '-f',
    'null',
    '-',
  ];
}

/**
 * The test encodes to try for one encoder, in order; the first that succeeds decides the mode
 * the transcodes use. An empty list means the encoder cannot work on this machine (VAAPI with no
 * render node). Upstream only tries the first render node; we try each, so a machine whose first
 * node belongs to a GPU without VAAPI (an NVIDIA card next to an Intel iGPU) still finds the second.
 */
export function testEncodes(spec: EncoderSpec, renderNodes: readonly string[], platform: string): TestEncode[] {
  const base: EncoderInfo = { accel: spec.accel, codec: spec.codec, encoder: spec.encoder, description: spec.description };
  const cuda = ['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda'];
  const qsvVf = 'format=nv12,hwupload=extra_hw_frames=64';
  switch (spec.accel) {
    case 'none':
    case 'videotoolbox':
      return [{ variant: 'plain', args: command(spec.encoder, [], null), info: base }];
    case 'nvenc':
      return [
        { variant: 'simple', args: command(spec.encoder, cuda, null), info: { ...base, nvencMode: 'simple' } },
        {
          variant: 'explicit',
          args: command(spec.encoder, ['-init_hw_device', 'cuda=cu:0', '-filter_hw_device', 'cu', ...cuda], null),
          info: { ...base, nvencMode: 'explicit' },
        },
      ];
    case 'qsv': {
      // Only Linux has the VAAPI-derived route; elsewhere (Windows builds) QSV initialises itself.
      if (platform !== 'linux') return [{ variant: 'plain', args: command(spec.encoder, [], null), info: base }];
      const direct: TestEncode = {
        variant: 'direct',
        args: command(spec.encoder, ['-init_hw_device', 'qsv=qsv', '-filter_hw_device', 'qsv'], qsvVf),
        info: { ...base, qsvMode: 'direct' },
      };
      const derived = renderNodes.map(
        (node): TestEncode => ({
          variant: `vaapi-derived ${node}`,
          args: command(
            spec.encoder,
            ['-init_hw_device', `vaapi=va:${node}`, '-init_hw_device', 'qsv=qs@va', '-filter_hw_device', 'qs'],
            qsvVf,
          ),
          info: { ...base, qsvMode: 'vaapi-derived', vaapiDevice: node },
        }),
      );
      return [direct, ...derived];
    }
    case 'vaapi':
      return renderNodes.map((node) => ({
        variant: `device ${node}`,
        args: command(spec.encoder, ['-init_hw_device', `vaapi=va:${node}`, '-filter_hw_device', 'va'], 'format=nv12,hwupload'),
        info: { ...base, vaapiDevice: node },
      }));
  }
}

/** `vmaf_models` of GET /api/encoders (§5.5): null without libvmaf. */
export function vmafModels(filters: string, libvmafHelp: string): string[] | null {
  if (!/\blibvmaf\b/.test(filters)) return null;
  return libvmafHelp.includes('vmaf_4k') ? ['vmaf_v0.6.1', 'vmaf_4k_v0.6.1'] : ['vmaf_v0.6.1'];
}

/** The last meaningful stderr line, for "why did this test encode fail". */
export function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Conversion failed!?$/.test(l));
  return lines.at(-1) ?? '';
}

/** Available encoders, HEVC first then AV1, each codec in priority order (§5.4 step 4). */
export function orderEncoders(list: readonly EncoderInfo[]): EncoderInfo[] {
  const out: EncoderInfo[] = [];
  for (const codec of ['hevc', 'av1'] as const) {
    for (const accel of ENCODER_PRIORITY) {
      const hit = list.find((e) => e.accel === accel && e.codec === codec);
      if (hit) out.push(hit);
    }
  }
  return out;
}

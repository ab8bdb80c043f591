/** The encoder table (upstream-behaviour §5.2), priority order and the fallback chain (§5.13). */

import type { Accel, Codec } from '../jobs/types.js';

/** One detected encoder, as detection reports it and jobs use it. */
export interface EncoderInfo {
  accel: Accel;
  codec: Codec;
  /** ffmpeg encoder name, e.g. `hevc_nvenc`. */
  encoder: string;
  /** Human name, e.g. `NVIDIA NVENC HEVC`. */
  description: string;
  /** How QSV was initialised by the test encode (§5.4); `direct` when absent. */
  qsvMode?: 'direct' | 'vaapi-derived';
  /** Whether NVENC needed an explicit CUDA device (§5.4); `simple` when absent. */
  nvencMode?: 'simple' | 'explicit';
  /** DRM render node for VAAPI and VAAPI-derived QSV; DEFAULT_VAAPI_DEVICE when absent. */
  vaapiDevice?: string;
}

export type QualityFlag = '-crf' | '-cq' | '-global_quality' | '-qp' | '-b:v';

/** A row of the §5.2 table: everything the argument builder needs to know about one encoder. */
export interface EncoderSpec {
  accel: Accel;
  codec: Codec;
  encoder: string;
  description: string;
  qualityFlag: QualityFlag;
  /** CRF/CQ/global_quality/QP, or for VideoToolbox (`-b:v`) the bitrate modifier. */
  defaultQuality: number;
  qualityRange: { min: number; max: number };
  extraArgs: readonly string[];
  /** The GPU scaler; null means the CPU `scale` filter. */
  hwScaler: 'scale_cuda' | 'scale_qsv' | 'scale_vaapi' | null;
  /** 8-bit surface format of GPU encoders (p010 replaces it for HDR, D14); null for CPU input. */
  pixFmt: 'nv12' | null;
  /** Hardware frame format accepted by `format=<pf>|<suffix>` ahead of the upload. */
  frameSuffix: 'qsv' | 'vaapi' | null;
  uploadFilter: string | null;
}

/** Used when VAAPI detection did not remember a device (§5.4 step 3). */
export const DEFAULT_VAAPI_DEVICE = '/dev/dri/renderD128';

/** Best first. Software is always last and always possible. */
export const ENCODER_PRIORITY: readonly Accel[] = ['videotoolbox', 'nvenc', 'qsv', 'vaapi', 'none'];

const CRF_RANGE: Record<Codec, { min: number; max: number }> = {
  hevc: { min: 16, max: 30 },
  av1: { min: 18, max: 35 },
};
const NVENC_ARGS = ['-preset', 'p4', '-tune', 'hq', '-rc', 'vbr'] as const;
const QSV_UPLOAD = 'hwupload=extra_hw_frames=64';

function row(
  accel: Accel,
  codec: Codec,
  encoder: string,
  description: string,
  quality: { flag: QualityFlag; value: number; range?: { min: number; max: number } },
  extraArgs: readonly string[],
  gpu?: Pick<EncoderSpec, 'hwScaler' | 'frameSuffix' | 'uploadFilter'>,
): EncoderSpec {
  return {
    accel,
    codec,
    encoder,
    description,
    qualityFlag: quality.flag,
    defaultQuality: quality.value,
    qualityRange: quality.range ?? CRF_RANGE[codec],
    extraArgs,
    hwScaler: gpu?.hwScaler ?? null,
    pixFmt: gpu ? 'nv12' : null,
    frameSuffix: gpu?.frameSuffix ?? null,
    uploadFilter: gpu?.uploadFilter ?? null,
  };
}

const CUDA = { hwScaler: 'scale_cuda', frameSuffix: null, uploadFilter: null } as const;
const QSV = { hwScaler: 'scale_qsv', frameSuffix: 'qsv', uploadFilter: QSV_UPLOAD } as const;
const VAAPI = { hwScaler: 'scale_vaapi', frameSuffix: 'vaapi', uploadFilter: 'hwupload' } as const;

export const ENCODER_SPECS: readonly EncoderSpec[] = [
  row('none', 'hevc', 'libx265', 'Software HEVC (libx265)', { flag: '-crf', value: 22 }, [
    '-preset',
    'medium',
  ]),
  row('none', 'av1', 'libsvtav1', 'Software AV1 (libsvtav1)', { flag: '-crf', value: 25 }, [
    '-preset',
    '6',
  ]),
  row(
    'nvenc',
    'hevc',
    'hevc_nvenc',
    'NVIDIA NVENC HEVC',
    { flag: '-cq', value: 26 },
    NVENC_ARGS,
    CUDA,
  ),
  row(
    'nvenc',
    'av1',
    'av1_nvenc',
    'NVIDIA NVENC AV1',
    { flag: '-cq', value: 32 },
    NVENC_ARGS,
    CUDA,
  ),
  row(
    'qsv',
    'hevc',
    'hevc_qsv',
    'Intel Quick Sync HEVC',
    { flag: '-global_quality', value: 20 },
    ['-preset', 'medium'],
    QSV,
  ),
  row(
    'qsv',
    'av1',
    'av1_qsv',
    'Intel Quick Sync AV1',
    { flag: '-global_quality', value: 22 },
    ['-preset', 'medium'],
    QSV,
  ),
  row('vaapi', 'hevc', 'hevc_vaapi', 'VAAPI HEVC', { flag: '-qp', value: 20 }, [], VAAPI),
  row('vaapi', 'av1', 'av1_vaapi', 'VAAPI AV1', { flag: '-qp', value: 22 }, [], VAAPI),
  row(
    'videotoolbox',
    'hevc',
    'hevc_videotoolbox',
    'Apple VideoToolbox HEVC',
    { flag: '-b:v', value: 0.52, range: { min: 0.05, max: 0.8 } },
    ['-allow_sw', '1'],
  ),
  row(
    'videotoolbox',
    'av1',
    'av1_videotoolbox',
    'Apple VideoToolbox AV1',
    { flag: '-b:v', value: 0.25, range: { min: 0.05, max: 0.7 } },
    ['-allow_sw', '1'],
  ),
];

/** The table row for accel+codec; an unknown pair gets the software row of that codec (§5.2). */
export function encoderSpec(accel: Accel, codec: Codec): EncoderSpec {
  const found = ENCODER_SPECS.find((s) => s.accel === accel && s.codec === codec);
  if (found) return found;
  return softwareSpec(codec);
}

function softwareSpec(codec: Codec): EncoderSpec {
  const sw = ENCODER_SPECS.find((s) => s.accel === 'none' && s.codec === codec);
  // The table above has a software row for every Codec; reaching this is a programming error.
  if (!sw) throw new Error(`no software encoder for codec ${codec}`);
  return sw;
}

/** The software encoder of a codec, usable even when detection did not list it. */
export function softwareEncoder(codec: Codec): EncoderInfo {
  const { accel, encoder, description } = softwareSpec(codec);
  return { accel, codec, encoder, description };
}

export function isHardware(accel: Accel): boolean {
  return accel !== 'none';
}

/** The first available encoder for the codec in priority order, else software (§5.3). */
export function bestEncoder(available: readonly EncoderInfo[], codec: Codec): EncoderInfo {
  for (const accel of ENCODER_PRIORITY) {
    const hit = available.find((e) => e.accel === accel && e.codec === codec);
    if (hit) return hit;
  }
  return softwareEncoder(codec);
}

/**
 * Encoders to try after `current` failed (§5.13): the available ones that come after it in
 * priority order, same codec, and software last even when detection did not list it.
 */
export function fallbackChain(
  current: EncoderInfo,
  available: readonly EncoderInfo[],
): EncoderInfo[] {
  const start = ENCODER_PRIORITY.indexOf(current.accel);
  const chain: EncoderInfo[] = [];
  for (const accel of ENCODER_PRIORITY.slice(start + 1)) {
    const hit = available.find((e) => e.accel === accel && e.codec === current.codec);
    if (hit) chain.push(hit);
    else if (accel === 'none') chain.push(softwareEncoder(current.codec));
  }
  return chain;
}

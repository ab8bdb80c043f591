/** Hardware input args (upstream-behaviour §5.6) and the `-vf` chain (§5.7, with D14's p010). */

import { dynamicRange, hwPixFmt, tonemapFilters } from './color.js';
import { DEFAULT_VAAPI_DEVICE, type EncoderInfo, encoderSpec } from './encoders.js';
import type { TranscodeArgsOptions } from './options.js';

/** Everything before `-i`: device setup, plus the hardware decoder unless decoding on the CPU. */
export function hwInputArgs(encoder: EncoderInfo, softwareDecode: boolean): string[] {
  const device = encoder.vaapiDevice ?? DEFAULT_VAAPI_DEVICE;
  switch (encoder.accel) {
    case 'none':
      return [];
    case 'nvenc': {
      const init =
        encoder.nvencMode === 'explicit'
          ? ['-init_hw_device', 'cuda=cu:0', '-filter_hw_device', 'cu']
          : [];
      const decode = ['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda'];
      return softwareDecode ? init : [...init, ...decode];
    }
    case 'qsv': {
      // The device is needed even for CPU decode: the filter chain uploads to it.
      const init =
        encoder.qsvMode === 'vaapi-derived'
          ? [
              '-init_hw_device',
              `vaapi=va:${device}`,
              '-init_hw_device',
              'qsv=qs@va',
              '-filter_hw_device',
              'qs',
            ]
          : ['-init_hw_device', 'qsv=qsv', '-filter_hw_device', 'qsv'];
      const decode = ['-hwaccel', 'qsv', '-hwaccel_output_format', 'qsv'];
      return softwareDecode ? init : [...init, ...decode];
    }
    case 'vaapi': {
      const init = ['-init_hw_device', `vaapi=va:${device}`, '-filter_hw_device', 'va'];
      const decode = ['-hwaccel', 'vaapi', '-hwaccel_output_format', 'vaapi'];
      return softwareDecode ? init : [...init, ...decode];
    }
    case 'videotoolbox':
      return softwareDecode ? [] : ['-hwaccel', 'videotoolbox'];
  }
}

export type VideoFilterOptions = Pick<
  TranscodeArgsOptions,
  'encoder' | 'maxHeight' | 'source' | 'softwareDecode' | 'tonemap'
>;

/** Tonemapping runs in zscale on the CPU, so it always decodes there (§5.7 path 1). */
export function decodesOnCpu(
  o: Pick<VideoFilterOptions, 'source' | 'softwareDecode' | 'tonemap'>,
): boolean {
  return o.softwareDecode || dynamicRange(o.source, o.tonemap) === 'tonemap';
}

/**
 * The `-vf` value, or null when no filter is needed. Exactly one scaler per chain: the GPU
 * scaler on the hardware-decode path of NVENC/QSV/VAAPI, the CPU `scale` everywhere else.
 */
export function videoFilterChain(o: VideoFilterOptions): string | null {
  const spec = encoderSpec(o.encoder.accel, o.encoder.codec);
  const range = dynamicRange(o.source, o.tonemap);
  const pf = hwPixFmt(range);
  const h = o.maxHeight;
  const sourceHeight = o.source.height ?? 0;
  // An unknown source height still honours the preset: min(ih,H) never upscales.
  const resize = h > 0 && !(sourceHeight > 0 && sourceHeight <= h);
  const cpuScale = `scale=-2:'min(ih,${h})'`;
  const upload = spec.uploadFilter ? [`format=${pf}`, spec.uploadFilter] : [];
  const filters: string[] = [];

  if (o.tonemap && range === 'tonemap') {
    filters.push(...tonemapFilters(o.tonemap, o.source));
    if (resize) filters.push(cpuScale);
    filters.push(...upload);
  } else if (o.softwareDecode) {
    if (resize) filters.push(cpuScale);
    filters.push(...upload);
  } else if (spec.hwScaler) {
    // Hardware decode: frames may already be GPU surfaces (`pf|suffix` lets them through) or,
    // when the decoder fell back to the CPU, plain frames that the upload moves over.
    if (spec.frameSuffix && spec.uploadFilter) {
      filters.push(`format=${pf}|${spec.frameSuffix}`, spec.uploadFilter);
    }
    filters.push(
      resize
        ? `${spec.hwScaler}=w=-2:h='min(ih,${h})':format=${pf}`
        : `${spec.hwScaler}=format=${pf}`,
    );
  } else if (resize) {
    filters.push(cpuScale);
  }
  return filters.length > 0 ? filters.join(',') : null;
}

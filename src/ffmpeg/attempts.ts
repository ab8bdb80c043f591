import type { Accel } from '../jobs/types.js';
import { type DecodeSource, requiresSoftwareDecode } from './decode.js';
import { type EncoderInfo, fallbackChain } from './encoders.js';

export interface Attempt {
  encoder: EncoderInfo;
  softwareDecode: boolean;
}

/**
 * The recovery plan of upstream-behaviour §5.13, computed up front: the best encoder with hardware
 * decode (unless a §5.12 trigger or tonemapping forces software decode), the same encoder with
 * software decode, then each later available encoder the same way, software last. No attempt is
 * listed twice (upstream re-ran an identical command when tonemapping).
 */
export function planAttempts(best: EncoderInfo, available: readonly EncoderInfo[], source: DecodeSource, tonemapping: boolean): Attempt[] {
  const plan: Attempt[] = [];
  for (const encoder of [best, ...fallbackChain(best, available)]) {
    if (encoder.accel === 'none') {
      plan.push({ encoder, softwareDecode: true });
      continue;
    }
    if (!tonemapping && !requiresSoftwareDecode(encoder.accel, source)) plan.push({ encoder, softwareDecode: false });
    plan.push({ encoder, softwareDecode: true });
  }
  return plan;
}

export const describeAttempt = (a: Attempt): string =>
  `${a.encoder.encoder} with ${a.encoder.accel === 'none' ? 'software' : a.softwareDecode ? 'software decode' : 'hardware decode'}`;

export const accelOf = (a: Attempt): Accel => a.encoder.accel;

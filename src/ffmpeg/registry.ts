import { execa } from 'execa';
import type { Codec } from '../jobs/types.js';
import { bestEncoder, type EncoderInfo, softwareEncoder } from './encoders.js';

/**
 * The encoders this ffmpeg can use. Hardware detection (test encodes) plugs in through `detect`;
 * software encoders are listed when `ffmpeg -encoders` names them.
 */
export class EncoderRegistry {
  private list: EncoderInfo[] = [];
  private detectedAt: string | null = null;

  available(): EncoderInfo[] {
    return [...this.list];
  }

  best(codec: Codec): EncoderInfo {
    return bestEncoder(this.list, codec);
  }

  lastDetection(): string | null {
    return this.detectedAt;
  }

  set(list: EncoderInfo[], at: Date): void {
    this.list = list;
    this.detectedAt = at.toISOString();
  }
}

/** Software encoders named by `ffmpeg -encoders`. */
export async function detectSoftwareEncoders(ffmpeg: string): Promise<EncoderInfo[]> {
  const result = await execa(ffmpeg, ['-hide_banner', '-encoders'], { reject: false, timeout: 10_000, stdin: 'ignore' });
  const listing = String(result.stdout ?? '');
  return (['hevc', 'av1'] as const).map(softwareEncoder).filter((e) => new RegExp(`\\s${e.encoder}\\s`).test(listing));
}

import { execa } from 'execa';
import { probeFile } from './probe.js';

export interface VerifyExpectations {
  durationMs: number;
  audioStreams: number;
}

/**
 * D11: the new file must have a video stream, a duration within max(2 s, 1 %) of the source, the
 * same number of audio streams, and an end that decodes. Throws with the reason otherwise.
 */
export async function verifyOutput(tools: { ffmpeg: string; ffprobe: string }, path: string, expect: VerifyExpectations, signal: AbortSignal): Promise<{ size: number }> {
  const probe = await probeFile(tools.ffprobe, path, signal).catch((error: Error) => {
    throw new Error(`output check failed: ${error.message}`);
  });
  if (!probe.video) throw new Error('output check failed: the output has no video stream');
  if (expect.durationMs > 0) {
    const tolerance = Math.max(2000, expect.durationMs * 0.01);
    if (Math.abs(probe.duration_ms - expect.durationMs) > tolerance) {
      throw new Error(`output check failed: duration ${fmt(probe.duration_ms)} differs from the source's ${fmt(expect.durationMs)}`);
    }
  }
  if (probe.audio.length !== expect.audioStreams) {
    throw new Error(`output check failed: ${probe.audio.length} audio streams, the source has ${expect.audioStreams}`);
  }
  // Decode the last seconds: a truncated or broken tail shows up as an error here.
  const tail = await execa(tools.ffmpeg, ['-v', 'error', '-xerror', '-sseof', '-3', '-i', path, '-map', '0:v:0', '-f', 'null', '-'], {
    reject: false,
    timeout: 120_000,
    cancelSignal: signal,
    stdin: 'ignore',
  });
  if (tail.failed) {
    const why = String(tail.stderr ?? '').trim().split('\n').slice(-2).join(' | ');
    throw new Error(`output check failed: the end of the output does not decode${why ? ` (${why})` : ''}`);
  }
  return { size: probe.size };
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

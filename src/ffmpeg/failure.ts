/** Turns ffmpeg's exit and stderr into a sentence a user can act on (D12). */

export type FailureKind = 'exit' | 'stalled' | 'signal' | 'spawn' | 'cancelled';

export class FfmpegError extends Error {
  readonly kind: FailureKind;
  readonly stderrTail: string[];
  constructor(kind: FailureKind, message: string, stderrTail: string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FfmpegError';
    this.kind = kind;
    this.stderrTail = stderrTail;
  }
}

const REASONS: Array<[RegExp, string]> = [
  [/No space left on device/i, 'the disk is full'],
  [/Invalid data found when processing input|moov atom not found|EBML header parsing failed|could not find codec parameters/i,
    'the input file is corrupt or not a video'],
  [/Permission denied/i, 'permission denied'],
  [/No such file or directory/i, 'a file does not exist'],
  [/Unknown encoder|Encoder not found|Unrecognized option/i, 'the encoder is not available in this ffmpeg'],
  [/Stream map '.*' matches no streams|Output file #0 does not contain any stream|does not contain any stream/i,
    'the file has no video stream'],
  [/Decoder .* not found|Unsupported codec|no decoder/i, 'the video codec cannot be decoded'],
  [/Device creation failed|Failed to (?:initialise|initialize|create|open) .*(?:device|VAAPI|CUDA|QSV)|hwaccel|No VA display|Cannot load libcuda|OpenEncodeSessionEx failed|MFX/i,
    'the hardware encoder or decoder failed'],
  [/Cannot allocate memory|Out of memory/i, 'out of memory'],
];

export function reasonFromStderr(lines: readonly string[]): string | undefined {
  const text = lines.join('\n');
  for (const [pattern, reason] of REASONS) if (pattern.test(text)) return reason;
  return undefined;
}

/** `ffmpeg failed (exit code 1): the input file is corrupt or not a video — <last stderr lines>` */
export function describeFailure(head: string, tail: readonly string[]): string {
  const reason = reasonFromStderr(tail);
  const last = tail.slice(-5).join(' | ');
  return `${head}${reason ? `: ${reason}` : ''}${last ? ` — ${last}` : ''}`;
}

/** Turns ffmpeg's exit and stderr into a sentence a user can act on (D12). */

export type FailureKind = 'exit' | 'stalled' | 'signal' | 'spawn' | 'cancelled';

export class FfmpegError extends Error {
  readonly kind: FailureKind;
  readonly stderrTail: string[];
  /** The message without the stderr lines: `ffmpeg failed (exit code 1): the disk is full`. */
  readonly summary: string;
  /** No other encoder can do better (the disk is full): the fallback chain stops here. */
  readonly fatal: boolean;
  constructor(kind: FailureKind, head: string, stderrTail: string[], options?: { cause?: unknown }) {
    const diagnosis = diagnose(stderrTail);
    const summary = `${head}${diagnosis ? `: ${diagnosis.reason}` : ''}`;
    super(withTail(summary, stderrTail), options);
    this.name = 'FfmpegError';
    this.kind = kind;
    this.stderrTail = stderrTail;
    this.summary = summary;
    this.fatal = diagnosis?.fatal === true;
  }
}

interface Diagnosis {
  reason: string;
  fatal: boolean;
}

const REASONS: Array<[RegExp, Diagnosis]> = [
  // Every encoder writes the same temp file, so trying the next one only fails again.
  [/No space left on device|Disk quota exceeded|File too large/i, { reason: 'the disk is full', fatal: true }],
  // Before the corrupt-input patterns: a failing GPU decoder also reports decode errors.
  [
    /Device creation failed|Failed to (?:initialise|initialize|create|open|set up) .*(?:device|VAAPI|CUDA|QSV|hwaccel)|Device setup failed|hwaccel|No VA display|Cannot load libcuda|OpenEncodeSessionEx failed|No capable devices found|MFX|vaInitialize failed/i,
    { reason: 'the hardware encoder or decoder failed', fatal: false },
  ],
  // Before the corrupt-input patterns: a missing decoder also leads to "could not find codec parameters".
  [
    /Decoder \(codec [^)]*\) not found|Decoder .* not found|Unsupported codec|no decoder|Codec .* is not supported/i,
    { reason: 'the video codec cannot be decoded by this ffmpeg', fatal: false },
  ],
  [
    /Invalid data found when processing input|moov atom not found|EBML header parsing failed|could not find codec parameters|corrupt|Truncat|partial file|error while decoding/i,
    { reason: 'the input file is corrupt or not a video', fatal: false },
  ],
  [/Permission denied/i, { reason: 'permission denied', fatal: false }],
  [/Unknown encoder|Encoder not found|Unrecognized option/i, { reason: 'the encoder is not available in this ffmpeg', fatal: false }],
  [
    /Stream map '.*' matches no streams|does not contain any stream/i,
    { reason: 'the file has no video stream', fatal: false },
  ],
  [/Cannot allocate memory|Out of memory/i, { reason: 'out of memory', fatal: false }],
  [/No such file or directory/i, { reason: 'a file does not exist', fatal: false }],
];

/** ffmpeg's banner (version, build configuration, library versions): it names every feature built in. */
export const isBannerLine = (line: string): boolean => /^(ffmpeg|ffprobe) version |^\s+(built with|configuration:|lib[a-z0-9]+\s+\d)/.test(line);

function diagnose(lines: readonly string[]): Diagnosis | undefined {
  // `--enable-libmfx` in the build configuration is not a failing Quick Sync device.
  const text = lines.filter((line) => !isBannerLine(line)).join('\n');
  for (const [pattern, diagnosis] of REASONS) if (pattern.test(text)) return diagnosis;
  return undefined;
}

export function reasonFromStderr(lines: readonly string[]): string | undefined {
  return diagnose(lines)?.reason;
}

function withTail(summary: string, tail: readonly string[]): string {
  const last = tail.slice(-5).join(' | ');
  return last ? `${summary} — ${last}` : summary;
}

/** `ffmpeg failed (exit code 1): the input file is corrupt or not a video — <last stderr lines>` */
export function describeFailure(head: string, tail: readonly string[]): string {
  const reason = reasonFromStderr(tail);
  return withTail(`${head}${reason ? `: ${reason}` : ''}`, tail);
}

import { execa } from 'execa';
import { dieWithUs } from '../util/child.js';

/** What a short helper run of ffmpeg (listing, test encode) left behind. */
export interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type CommandRunner = (
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
) => Promise<CommandResult>;

/** Runs a command to completion and never throws: a missing binary is just a failed result. */
export const runCommand: CommandRunner = async (file, args, opts) => {
  const [bin, argv] = dieWithUs(file, args);
  const result = await execa(bin, argv, {
    reject: false,
    timeout: opts.timeoutMs,
    stdin: 'ignore',
    killSignal: 'SIGKILL',
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const stderr = String(result.stderr ?? '');
  return {
    ok: !result.failed,
    stdout: String(result.stdout ?? ''),
    // A spawn failure (ENOENT) has no stderr; its message is the useful part.
    stderr: stderr || (result.failed && result.exitCode === undefined ? (result.shortMessage ?? '') : ''),
    timedOut: result.timedOut === true,
  };
};

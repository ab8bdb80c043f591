import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { type ProbeResult, parseProbe } from '../media/probe-parse.js';
import { dieWithUs } from '../util/child.js';

/** Probes one file. The size is the file's real size (not the container's claim). */
export async function probeFile(ffprobe: string, path: string, signal?: AbortSignal): Promise<ProbeResult> {
  const [file, args] = dieWithUs(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
  const result = await execa(
    file,
    args,
    { reject: false, timeout: 30_000, stdin: 'ignore', ...(signal ? { cancelSignal: signal } : {}) },
  );
  if (result.failed) {
    const why = String(result.stderr ?? '').trim().split('\n').slice(-2).join(' | ') || result.shortMessage;
    throw new Error(`ffprobe failed: ${why}`);
  }
  let parsed: ProbeResult;
  try {
    parsed = parseProbe(JSON.parse(String(result.stdout)));
  } catch (error) {
    throw new Error(`failed to parse ffprobe output: ${(error as Error).message}`);
  }
  const info = await stat(path);
  parsed.size = info.size;
  return parsed;
}

import { readdir } from 'node:fs/promises';
import { renderNodesOf } from './detect-plan.js';

/** DRM render nodes under `driDir` (normally /dev/dri; a plain folder in tests). None when it is missing. */
export async function listRenderNodes(driDir: string): Promise<string[]> {
  const names = await readdir(driDir).catch(() => [] as string[]);
  return renderNodesOf(driDir, names);
}

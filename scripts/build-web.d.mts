/** Types for scripts/build-web.mjs (tests build the panel before they open it). */
export interface BuiltFile {
  file: string;
  bytes: number;
  gzip: number;
}
export function buildWeb(options?: { outDir?: string }): Promise<BuiltFile[]>;

const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Binary units as upstream prints them: `512 B`, `1.5 KB`, `1.2 GB`; negative → `0 B`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '0 B';
  if (bytes < 1024) return `${Math.floor(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

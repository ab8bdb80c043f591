/**
 * The scheduling window (D10): hours in local time, `start > end` wraps midnight (22→6 allows 22:00
 * to 05:59). `start == end` is rejected by validation, never silently "never".
 */
export function inWindow(hour: number, start: number, end: number): boolean {
  if (start === end) return true;
  if (start > end) return hour >= start || hour < end;
  return hour >= start && hour < end;
}

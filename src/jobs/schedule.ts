/**
 * The scheduling window (D10): hours in local time, `start > end` wraps midnight (22→6 allows 22:00
 * to 05:59). `start == end` is rejected by validation, never silently "never"; should it reach
 * here anyway, it means "always" rather than a queue that silently never runs.
 */
export function inWindow(hour: number, start: number, end: number): boolean {
  if (start === end) return true;
  if (start > end) return hour >= start || hour < end;
  return hour >= start && hour < end;
}

export interface ScheduleSettings {
  schedule_enabled: boolean;
  schedule_start_hour: number;
  schedule_end_hour: number;
}

/**
 * Whether a worker may start a job at `now` (the container's local time, as upstream). Only new
 * starts are gated: jobs can always be added, and running jobs finish when the window closes.
 */
export function scheduleAllows(s: ScheduleSettings, now: Date): boolean {
  return !s.schedule_enabled || inWindow(now.getHours(), s.schedule_start_hour, s.schedule_end_hour);
}

/** Whether a settings change can change what `scheduleAllows` answers (the pool should look again). */
export function scheduleChanged(a: ScheduleSettings, b: ScheduleSettings): boolean {
  return (
    a.schedule_enabled !== b.schedule_enabled ||
    a.schedule_start_hour !== b.schedule_start_hour ||
    a.schedule_end_hour !== b.schedule_end_hour
  );
}

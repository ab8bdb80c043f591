/** The part of the job store the flag needs (JobStore fits). */
export interface MetaStore {
  getMeta<T>(name: string): Promise<T | undefined>;
  setMeta(name: string, value: unknown): void;
}

/**
 * `notify_on_complete`: a one-shot "tell me when the current work is done" switch. Kept with the
 * queue's counters in the database, like upstream, not in settings.yaml: it is state that the
 * program turns off by itself, not a setting.
 */
export interface NotifyFlag {
  get(): boolean;
  set(on: boolean): void;
}

const KEY = 'notify_on_complete';

export async function loadNotifyFlag(meta: MetaStore): Promise<NotifyFlag> {
  let on = (await meta.getMeta<boolean>(KEY)) === true;
  return {
    get: () => on,
    set: (next) => {
      if (next === on) return;
      on = next;
      meta.setMeta(KEY, next);
    },
  };
}

/**
 * Heap measurements for the fault suites. Mocha runs without --expose-gc, so the flag is set at run
 * time and `gc` is taken from a new context (V8 exposes it to contexts created after the flag).
 */
import { EventEmitter } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | undefined;

/** The V8 `gc()` function, or undefined when it cannot be had. */
export function gcFunction(): (() => void) | undefined {
  if (gcFn) return gcFn;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    if (typeof fn === 'function') gcFn = fn as () => void;
  } catch {
    gcFn = undefined;
  }
  return gcFn;
}

/** Used heap after full collections (several, with pauses for finalizers and closed sockets). */
export async function settledHeapBytes(rounds = 4): Promise<number> {
  const gc = gcFunction();
  for (let i = 0; i < rounds; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 60));
  }
  gc?.();
  return v8.getHeapStatistics().used_heap_size;
}

/**
 * How many subscribers an object (the app's queue) holds, found at run time without any hook in
 * src: listeners on every EventEmitter among its own fields, plus the size of any Set/Map/array
 * field whose name says it holds listeners or subscribers. Undefined when nothing like that exists.
 */
export function subscriberCount(target: object): { count: number; where: string[] } | undefined {
  let count = 0;
  const where: string[] = [];
  for (const key of Reflect.ownKeys(target)) {
    const value = (target as Record<string | symbol, unknown>)[key];
    const name = String(key);
    if (value instanceof EventEmitter) {
      const n = value.eventNames().reduce((sum, event) => sum + value.listenerCount(event), 0);
      count += n;
      where.push(`${name} (EventEmitter): ${n}`);
    } else if (/listen|subscri|handler/i.test(name)) {
      const n = value instanceof Set || value instanceof Map ? value.size : Array.isArray(value) ? value.length : undefined;
      if (n !== undefined) {
        count += n;
        where.push(`${name}: ${n}`);
      }
    }
  }
  return where.length > 0 ? { count, where } : undefined;
}

/** Open sockets in this process (client and server side), from Node's active handles. */
export function openSockets(): number {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles.filter((h) => (h as { constructor?: { name?: string } })?.constructor?.name === 'Socket').length;
}

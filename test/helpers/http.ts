/** Small fetch wrappers that return status + parsed JSON. */
export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(base: string, method: string, path: string, body?: unknown, raw?: string): Promise<JsonResponse<T>> {
  const init: RequestInit = { method };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) init.body = JSON.stringify(body);
  if (init.body !== undefined) init.headers = { 'content-type': 'application/json' };
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const get = <T = any>(base: string, path: string) => api<T>(base, 'GET', path);
export const post = <T = any>(base: string, path: string, body?: unknown) => api<T>(base, 'POST', path, body);
export const del = <T = any>(base: string, path: string) => api<T>(base, 'DELETE', path);

/** Polls `check` until it returns a truthy value or the time is up. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

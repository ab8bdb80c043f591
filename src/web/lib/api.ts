/**
 * Every request of the panel. URLs are relative (`api/jobs`) and resolve against the page's
 * `<base>`, which the service sets from `X-Ingress-Path`: the panel works at `/` and below Home
 * Assistant's `/api/hassio_ingress/<token>/` alike.
 */

const TOKEN_KEY = 'shrinkray.api_token';

export class ApiError extends Error {
  readonly status: number;
  /** PUT /api/config lists every problem here. */
  readonly errors: string[];
  constructor(status: number, message: string, errors: string[] = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

export const apiUrl = (path: string): string => new URL(path, document.baseURI).href;

/** A token for a standalone service started with `--api-token` (never needed under ingress). */
export function savedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lasts for this page only.
    memoryToken = token;
  }
}

let memoryToken = '';

export function authHeaders(): Record<string, string> {
  const token = savedToken() || memoryToken;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() };
  const request: RequestInit = { method: init.method ?? 'GET', headers, cache: 'no-store' };
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(init.body);
  }
  if (init.signal) request.signal = init.signal;
  const res = await fetch(apiUrl(path), request);
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    if (res.status === 401) window.dispatchEvent(new CustomEvent('sr-auth-needed'));
    const body = (data ?? {}) as { error?: unknown; errors?: unknown };
    const message = typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message, Array.isArray(body.errors) ? body.errors.map(String) : []);
  }
  return data as T;
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The Pushover client (upstream-behaviour §8), with its endpoint configurable so tests can stand in for it. */

export interface PushoverConfig {
  url: string;
  user: string;
  token: string;
}

export interface PushoverMessage {
  title: string;
  message: string;
}

export class PushoverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PushoverError';
  }
}

/** "Configured" means both keys are set, as upstream. */
export const isConfigured = (c: Pick<PushoverConfig, 'user' | 'token'>): boolean => c.user !== '' && c.token !== '';

/** Upstream had no timeout at all; a hung endpoint must not hold the notifier forever. */
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * POSTs the form fields `token`, `user`, `title`, `message`. Errors read as upstream's:
 * `pushover error: <errors, joined>`, `pushover returned status <code>`, `failed to send notification: …`.
 */
export async function sendPushover(
  config: PushoverConfig,
  msg: PushoverMessage,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const body = new URLSearchParams({ token: config.token, user: config.user, title: msg.title, message: msg.message });
  let res: Response;
  try {
    res = await doFetch(config.url, { method: 'POST', body, signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  } catch (error) {
    throw new PushoverError(`failed to send notification: ${networkReason(error)}`, { cause: error });
  }
  const text = await res.text().catch(() => '');
  if (res.status === 200) return;
  const errors = pushoverErrors(text);
  throw new PushoverError(errors ? `pushover error: ${errors.join(', ')}` : `pushover returned status ${res.status}`);
}

/** The `errors` array of a Pushover error answer, when the body has one. */
function pushoverErrors(text: string): string[] | undefined {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) return parsed.errors.map(String);
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status says enough.
  }
  return undefined;
}

/** fetch wraps the socket error in `TypeError: fetch failed`; the cause says what went wrong. */
function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Reads the current settings on every call, so a PUT of new keys takes effect at once. */
export class PushoverClient {
  private readonly config: () => PushoverConfig;
  private readonly opts: { fetch?: typeof fetch; timeoutMs?: number };

  constructor(config: () => PushoverConfig, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}) {
    this.config = config;
    this.opts = opts;
  }

  configured(): boolean {
    return isConfigured(this.config());
  }

  send(msg: PushoverMessage): Promise<void> {
    return sendPushover(this.config(), msg, this.opts);
  }
}

export const TEST_MESSAGE: PushoverMessage = {
  title: 'Shrinkray',
  message: 'Test notification - Pushover is configured correctly!',
};

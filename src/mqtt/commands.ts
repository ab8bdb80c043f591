/**
 * The request/response command API (D18): `<base>/request/<action>` with a JSON object and an optional
 * `transaction`, answered on `<base>/response/<action>`. Every action calls the same QueueActions as REST,
 * so validation and error messages are the same. Plus the plain entity commands on `<base>/set/<name>`.
 */
import { AppError, badRequest, messageOf } from '../errors.js';
import type { QueueActions } from '../jobs/actions.js';

export type Transaction = string | number;

export type CommandResponse =
  | { status: 'ok'; data: unknown; transaction?: Transaction }
  | { status: 'error'; error: string; code: string; transaction?: Transaction };

type Handler = (body: Record<string, unknown>, actions: QueueActions) => Promise<unknown>;

function requireId(body: Record<string, unknown>): string {
  const { id } = body;
  if (typeof id !== 'string' || id.trim() === '') {
    throw badRequest('Missing job id: send {"id": "<job id>"}');
  }
  return id;
}

const FINISHED_STATUSES = ['complete', 'failed', 'skipped', 'cancelled'] as const;

/** Action name (topic suffix) → handler. The names are part of the documented MQTT API. */
export const ACTIONS: Readonly<Record<string, Handler>> = {
  'job/create': (body, a) => a.createJobs(body),
  'job/cancel': (body, a) => a.cancel(requireId(body)),
  'job/retry': (body, a) => a.retry(requireId(body)),
  'job/remove': (body, a) => a.remove(requireId(body)),
  'queue/clear': (body, a) => a.clear(body.status),
  'queue/clear_finished': async (_body, a) => {
    let cleared = 0;
    for (const status of FINISHED_STATUSES) cleared += (await a.clear(status)).cleared;
    return { cleared, message: `Cleared ${cleared} jobs` };
  },
  'queue/retry_failed': async (_body, a) => {
    const jobs = await a.retryFailed();
    return { retried: jobs.length, jobs };
  },
  'queue/pause': (_body, a) => a.pause(),
  'queue/resume': (_body, a) => a.resume(),
  'queue/workers': (body, a) => a.setWorkers(body.workers),
  'stats/reset_session': (_body, a) => a.resetSession(),
};

export interface ParsedRequest {
  body: Record<string, unknown>;
  transaction?: Transaction;
}

/**
 * An empty (or blank) payload is what clearing a retained message looks like: it never runs anything.
 */
export function isEmptyCommand(payload: Buffer | string): boolean {
  return payload.length === 0 || payload.toString().trim() === '';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as text, or undefined when it is not valid UTF-8 (JSON and our plain values must be). */
export function payloadText(payload: Buffer | string): string | undefined {
  if (typeof payload === 'string') return payload;
  try {
    return UTF8.decode(payload);
  } catch {
    return undefined;
  }
}

/**
 * The payload must be a JSON object (`{}` for actions without arguments) in UTF-8; `transaction` is
 * taken out of the body (a string or number is echoed back; other types are ignored).
 */
export function parseRequest(payload: Buffer | string): ParsedRequest | { error: string } {
  const decoded = payloadText(payload);
  if (decoded === undefined) return { error: 'The payload is not valid UTF-8: send a JSON object' };
  const text = decoded.trim();
  if (text === '') return { error: 'Empty payload: send a JSON object, e.g. {}' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'Invalid JSON payload: send a JSON object, e.g. {"transaction": "1"}' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'The payload must be a JSON object' };
  }
  const { transaction, ...body } = value as Record<string, unknown>;
  const parsed: ParsedRequest = { body };
  if (typeof transaction === 'string' || typeof transaction === 'number')
    parsed.transaction = transaction;
  return parsed;
}

function withTransaction<T extends CommandResponse>(response: T, transaction?: Transaction): T {
  return transaction === undefined ? response : { ...response, transaction };
}

/**
 * The error answer for a thrown value: AppError messages as REST shows them. Anything else is a short
 * "internal error": its text (errno strings, paths) goes to the log, never onto the broker.
 */
export function errorResponse(error: unknown, transaction?: Transaction): CommandResponse {
  if (error instanceof AppError) {
    return withTransaction({ status: 'error', error: error.message, code: error.code }, transaction);
  }
  return withTransaction(
    { status: 'error', error: 'Internal error (the Shrinkray log has the details)', code: 'internal_error' },
    transaction,
  );
}

/** Runs one request; never throws. `onUnexpected` hears about errors that are not AppErrors. */
export async function handleRequest(
  action: string,
  payload: Buffer | string,
  actions: QueueActions,
  onUnexpected: (error: unknown) => void = () => {},
): Promise<CommandResponse> {
  const parsed = parseRequest(payload);
  if ('error' in parsed) return { status: 'error', error: parsed.error, code: 'bad_request' };
  const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!handler) {
    const known = Object.keys(ACTIONS).join(', ');
    return withTransaction(
      { status: 'error', error: `Unknown action '${action}' (known: ${known})`, code: 'not_found' },
      parsed.transaction,
    );
  }
  try {
    const data = await handler(parsed.body, actions);
    return withTransaction({ status: 'ok', data }, parsed.transaction);
  } catch (error) {
    if (!(error instanceof AppError)) onUnexpected(error);
    return errorResponse(error, parsed.transaction);
  }
}

/**
 * The switch and number command topics: `set/paused` takes ON/OFF (also true/false), `set/workers` a
 * number. Returns null on success, else the error message (there is no response topic for these).
 */
export async function handleSet(
  name: string,
  payload: Buffer | string,
  actions: QueueActions,
): Promise<string | null> {
  const decoded = payloadText(payload);
  const text = (decoded ?? '').trim();
  try {
    if (decoded === undefined) throw badRequest('The payload is not valid UTF-8');
    if (name === 'paused') {
      const value = text.toUpperCase();
      if (value === 'ON' || value === 'TRUE') await actions.pause();
      else if (value === 'OFF' || value === 'FALSE') await actions.resume();
      else throw badRequest(`Expected ON or OFF, got '${text}'`);
    } else if (name === 'workers') {
      // Plain decimal only (what Home Assistant's number entity sends): no hex, no exponents.
      await actions.setWorkers(/^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
    } else {
      throw badRequest(`Unknown setting '${name}' (known: paused, workers)`);
    }
    return null;
  } catch (error) {
    return error instanceof AppError ? error.message : `Internal error: ${messageOf(error)}`;
  }
}

/**
 * Runs commands one at a time in arrival order, so `pause` then `resume` ends resumed and a flood of
 * commands cannot start thousands of actions at once. A task that throws never stops the ones after it.
 * When `limit` tasks are waiting, `push` refuses (returns false); after `close` nothing more runs.
 */
export class CommandQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private closed = false;

  constructor(
    private readonly limit: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(task: () => Promise<void>): boolean {
    if (this.closed || this.waiting >= this.limit) return false;
    this.waiting += 1;
    this.tail = this.tail
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => {
        try {
          this.onError(error);
        } catch {
          // a failing logger must not break the chain
        }
      })
      .finally(() => {
        this.waiting -= 1;
      });
    return true;
  }

  pending(): number {
    return this.waiting;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  close(): void {
    this.closed = true;
  }
}

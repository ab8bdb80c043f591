/** Errors with a code and an HTTP status, mapped to `{"error": ...}` in one Koa middleware. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
  }
}

export const badRequest = (message: string, cause?: unknown): AppError =>
  new AppError(400, 'bad_request', message, cause === undefined ? undefined : { cause });
export const notFound = (message: string): AppError => new AppError(404, 'not_found', message);
export const conflict = (message: string): AppError => new AppError(409, 'conflict', message);

/** A readable one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

import type { Context } from 'koa';
import { AppError, badRequest } from '../errors.js';

const LIMIT = 1024 * 1024;

/** Reads a JSON request body (1 MiB at most). An empty body is `undefined`. */
export async function readJson(ctx: Context): Promise<unknown> {
  // A body declared too large is refused before it is read, so a client that announces gigabytes
  // and sends a trickle cannot hold the connection open.
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > LIMIT) {
    ctx.set('Connection', 'close');
    throw new AppError(413, 'too_large', 'request body is larger than 1 MiB');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT) throw new AppError(413, 'too_large', 'request body is larger than 1 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest('invalid JSON in request body', error);
  }
}

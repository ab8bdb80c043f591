import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { errorMiddleware } from '../../../src/api/errors.js';
import { AppError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';

async function run(thrown: unknown): Promise<{ status: number; body: unknown; logged: string }> {
  const lines: string[] = [];
  const log = createLogger('error', { write: (line: string) => lines.push(line) });
  const ctx = { status: 404, body: undefined as unknown, method: 'GET', path: '/api/x' } as unknown as Context;
  await errorMiddleware(log)(ctx, async () => {
    throw thrown;
  });
  return { status: ctx.status, body: ctx.body, logged: lines.join('') };
}

describe('error answers (D21): 5xx says little, the log says why', () => {
  it('an unexpected error answers a short 500 without errno text or paths, and logs the detail', async () => {
    const r = await run(Object.assign(new Error("EACCES: permission denied, open '/secret/data/shrinkray.db'"), { code: 'EACCES' }));
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { error: 'internal error (see the service log)' });
    assert.doesNotMatch(JSON.stringify(r.body), /EACCES|secret/);
    assert.match(r.logged, /EACCES/);
  });

  it('a 5xx AppError keeps its own (safe) message and logs its cause', async () => {
    const r = await run(new AppError(500, 'save_failed', 'failed to save config', { cause: new Error('ENOSPC /data/settings.yaml') }));
    assert.deepEqual(r.body, { error: 'failed to save config' });
    assert.match(r.logged, /ENOSPC/);
  });

  it("Koa's client errors keep their status; unexposed ones say only 'bad request'", async () => {
    const exposed = await run(Object.assign(new Error('URI malformed'), { status: 400, expose: true }));
    const hidden = await run(Object.assign(new Error('internal detail /x/y'), { status: 400, expose: false }));
    assert.deepEqual(exposed.body, { error: 'URI malformed' });
    assert.deepEqual(hidden.body, { error: 'bad request' });
  });
});

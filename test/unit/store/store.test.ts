import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../../src/store/store.js';

describe('JobStore: a refused commit is kept and tried again', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('keeps the writes of a failed commit (newer writes win) and commits them on the retry', async () => {
    const errors: unknown[] = [];
    const store = await JobStore.open(dir, (e) => errors.push(e));
    // The database refuses the next COMMIT once (a full disk, a lock held too long).
    const adapter = (store as unknown as { adapter: { query: (sql: string, ...args: unknown[]) => Promise<unknown> } }).adapter;
    const real = adapter.query.bind(adapter);
    let refuse = 1;
    adapter.query = async (sql: string, ...args: unknown[]) => {
      if (sql === 'COMMIT' && refuse-- > 0) throw new Error('SQLITE_FULL: database or disk is full');
      return real(sql, ...args);
    };
    store.setMeta('a', 1);
    store.setMeta('b', 'removed soon');
    await assert.rejects(store.flush(), /refused/);
    assert.equal(errors.length, 1);
    // Newer writes queued while the batch waits for its retry win over the failed batch.
    store.setMeta('a', 2);
    store.deleteMeta('b');
    await store.flush();
    assert.equal(await store.getMeta('a'), 2);
    assert.equal(await store.getMeta('b'), undefined);
    await store.close();
    const again = await JobStore.open(dir);
    assert.equal(await again.getMeta('a'), 2);
    assert.equal(await again.getMeta('b'), undefined);
    await again.close();
  });

  it('retries on its own without anyone calling flush', async () => {
    const store = await JobStore.open(dir, () => undefined);
    const adapter = (store as unknown as { adapter: { query: (sql: string, ...args: unknown[]) => Promise<unknown> } }).adapter;
    const real = adapter.query.bind(adapter);
    let refuse = 2;
    adapter.query = async (sql: string, ...args: unknown[]) => {
      if (sql === 'COMMIT' && refuse-- > 0) throw new Error('SQLITE_BUSY');
      return real(sql, ...args);
    };
    store.setMeta('x', 'kept');
    const until = Date.now() + 5000;
    while (refuse > -1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    await store.close();
    const again = await JobStore.open(dir);
    assert.equal(await again.getMeta('x'), 'kept');
    await again.close();
  });
});

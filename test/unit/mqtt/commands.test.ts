import assert from 'node:assert/strict';
import { ACTIONS, handleRequest, handleSet, parseRequest } from '../../../src/mqtt/commands.js';
import { FakeQueue } from '../../integration/mqtt/fake-queue.js';

describe('mqtt command parsing', () => {
  it('takes transaction out of the body and echoes only strings and numbers', () => {
    assert.deepEqual(parseRequest('{"id":"a","transaction":"t1"}'), {
      body: { id: 'a' },
      transaction: 't1',
    });
    assert.deepEqual(parseRequest('{"transaction":7}'), { body: {}, transaction: 7 });
    assert.deepEqual(parseRequest('{"transaction":{"x":1}}'), { body: {} });
    assert.deepEqual(parseRequest(''), { body: {} });
    assert.deepEqual(parseRequest(Buffer.from('  ')), { body: {} });
  });

  it('refuses payloads that are not JSON objects', () => {
    assert.match((parseRequest('{oops') as { error: string }).error, /Invalid JSON/);
    assert.match((parseRequest('[1]') as { error: string }).error, /JSON object/);
    assert.match((parseRequest('"x"') as { error: string }).error, /JSON object/);
  });

  it('documents every action of D18', () => {
    assert.deepEqual(Object.keys(ACTIONS).sort(), [
      'job/cancel',
      'job/create',
      'job/remove',
      'job/retry',
      'queue/clear',
      'queue/clear_finished',
      'queue/pause',
      'queue/resume',
      'queue/retry_failed',
      'queue/workers',
      'stats/reset_session',
    ]);
  });
});

describe('mqtt command routing', () => {
  let q: FakeQueue;
  beforeEach(() => {
    q = new FakeQueue();
  });

  it('answers ok with the action result and the same transaction', async () => {
    const res = await handleRequest(
      'job/create',
      '{"paths":["/media/a.mkv"],"preset_id":"compress-hevc","transaction":"x1"}',
      q,
    );
    assert.equal(res.status, 'ok');
    assert.equal(res.transaction, 'x1');
    assert.deepEqual((res as { data: { paths: string[] } }).data.paths, ['/media/a.mkv']);
    assert.equal(q.stats().pending, 1);
  });

  it('answers error with the AppError message, its code and the transaction', async () => {
    const res = await handleRequest('job/cancel', '{"id":"nope","transaction":3}', q);
    assert.deepEqual(res, {
      status: 'error',
      error: 'Job not found',
      code: 'not_found',
      transaction: 3,
    });
    const missing = await handleRequest('job/retry', '{}', q);
    assert.equal(missing.status, 'error');
    assert.match((missing as { error: string }).error, /Missing job id/);
    const bad = await handleRequest('queue/workers', '{"workers":9}', q);
    assert.deepEqual(bad, {
      status: 'error',
      error: 'workers must be an integer between 1 and 6',
      code: 'bad_request',
    });
  });

  it('rejects unknown actions and bad JSON, keeping the transaction when it could be read', async () => {
    const unknown = await handleRequest('queue/explode', '{"transaction":"u"}', q);
    assert.equal(unknown.status, 'error');
    assert.equal(unknown.transaction, 'u');
    assert.match((unknown as { error: string }).error, /Unknown action 'queue\/explode'/);
    const bad = await handleRequest('queue/pause', '{', q);
    assert.equal(bad.status, 'error');
    assert.equal(q.calls.length, 0);
    assert.equal(await handleRequest('__proto__', '{}', q).then((r) => r.status), 'error');
  });

  it('reports unexpected errors as internal, and tells the caller', async () => {
    const broken = Object.assign(new FakeQueue(), {
      pause: async () => {
        throw new TypeError('boom');
      },
    });
    const heard: unknown[] = [];
    const res = await handleRequest('queue/pause', '', broken, (e) => heard.push(e));
    assert.deepEqual(res, { status: 'error', error: 'boom', code: 'internal_error' });
    assert.equal(heard.length, 1);
  });

  it('clear_finished clears every terminal status but never pending jobs', async () => {
    const a = q.add('/m/a.mkv');
    q.add('/m/b.mkv');
    q.start(a.id);
    q.complete(a.id, 10);
    const res = await handleRequest('queue/clear_finished', '{}', q);
    assert.deepEqual(res, { status: 'ok', data: { cleared: 1, message: 'Cleared 1 jobs' } });
    assert.equal(q.stats().pending, 1);
    assert.deepEqual(q.calls, [
      'clear:complete',
      'clear:failed',
      'clear:skipped',
      'clear:cancelled',
    ]);
  });

  it('passes queue/clear status through to the same validation as REST', async () => {
    const res = await handleRequest('queue/clear', '{"status":"running"}', q);
    assert.deepEqual(res, {
      status: 'error',
      error: "Invalid status 'running'",
      code: 'bad_request',
    });
  });

  it('set/paused and set/workers map to pause/resume/setWorkers', async () => {
    assert.equal(await handleSet('paused', 'ON', q), null);
    assert.equal(q.isPaused(), true);
    assert.equal(await handleSet('paused', 'off', q), null);
    assert.equal(q.isPaused(), false);
    assert.match((await handleSet('paused', 'maybe', q)) ?? '', /Expected ON or OFF/);
    assert.equal(await handleSet('workers', '3', q), null);
    assert.equal(q.workerCount(), 3);
    assert.match((await handleSet('workers', '3.5', q)) ?? '', /between 1 and 6/);
    assert.match((await handleSet('workers', 'many', q)) ?? '', /between 1 and 6/);
    assert.match((await handleSet('speed', '1', q)) ?? '', /Unknown setting/);
  });
});

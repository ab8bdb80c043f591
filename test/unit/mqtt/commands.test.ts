import assert from 'node:assert/strict';
import { ACTIONS, CommandQueue, handleRequest, handleSet, isEmptyCommand, parseRequest } from '../../../src/mqtt/commands.js';
import { FakeQueue } from '../../integration/mqtt/fake-queue.js';

describe('mqtt command parsing', () => {
  it('takes transaction out of the body and echoes only strings and numbers', () => {
    assert.deepEqual(parseRequest('{"id":"a","transaction":"t1"}'), {
      body: { id: 'a' },
      transaction: 't1',
    });
    assert.deepEqual(parseRequest('{"transaction":7}'), { body: {}, transaction: 7 });
    assert.deepEqual(parseRequest('{"transaction":{"x":1}}'), { body: {} });
    assert.deepEqual(parseRequest('{}'), { body: {} });
  });

  it('an empty or blank payload (how a retained message is cleared) is never a request', async () => {
    for (const payload of ['', Buffer.alloc(0), '  ', Buffer.from('\n\t ')]) {
      assert.equal(isEmptyCommand(payload), true);
      assert.match((parseRequest(payload) as { error: string }).error, /Empty payload/);
    }
    assert.equal(isEmptyCommand('{}'), false);
    const q = new FakeQueue();
    for (const action of Object.keys(ACTIONS)) {
      assert.equal((await handleRequest(action, '', q)).status, 'error', action);
    }
    assert.notEqual(await handleSet('paused', '', q), null);
    assert.notEqual(await handleSet('workers', ' ', q), null);
    assert.deepEqual(q.calls.filter((c) => !c.startsWith('setWorkers')), []);
    assert.equal(q.isPaused(), false);
    assert.equal(q.workerCount(), 1);
  });

  it('refuses payloads that are not valid UTF-8, even when the broken bytes sit inside a JSON string', async () => {
    const broken = Buffer.concat([Buffer.from('{"transaction":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    assert.match((parseRequest(broken) as { error: string }).error, /UTF-8/);
    const q = new FakeQueue();
    assert.equal((await handleRequest('queue/pause', broken, q)).status, 'error');
    assert.match((await handleSet('paused', Buffer.from([0x4f, 0x4e, 0xc0]), q)) ?? '', /UTF-8/);
    assert.deepEqual(q.calls, []);
    assert.deepEqual(parseRequest(Buffer.from('{"id":"é💥"}')), { body: { id: 'é💥' } });
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
    const res = await handleRequest('queue/pause', '{}', broken, (e) => heard.push(e));
    assert.equal(res.status, 'error');
    assert.equal((res as { code: string }).code, 'internal_error');
    assert.equal(heard.length, 1);
  });

  it('never puts the text of an unexpected error (paths, errno) on the broker', async () => {
    const broken = Object.assign(new FakeQueue(), {
      createJobs: async () => {
        throw Object.assign(new Error("EACCES: permission denied, open '/secret/dir/file'"), { code: 'EACCES' });
      },
    });
    const res = await handleRequest('job/create', '{"paths":["/media/a"],"transaction":1}', broken);
    assert.equal(res.status, 'error');
    assert.equal(res.transaction, 1);
    assert.doesNotMatch(JSON.stringify(res), /EACCES|secret/);
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
    for (const odd of ['0x2', '2e0', '0b10', 'Infinity', '2 2']) assert.match((await handleSet('workers', odd, q)) ?? '', /between 1 and 6/, odd);
    assert.equal(q.workerCount(), 3);
    assert.match((await handleSet('speed', '1', q)) ?? '', /Unknown setting/);
  });
});

describe('mqtt command queue', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('runs one command at a time, in arrival order', async () => {
    const errors: unknown[] = [];
    const queue = new CommandQueue(100, (e) => errors.push(e));
    const log: string[] = [];
    let running = 0;
    let most = 0;
    for (let i = 0; i < 20; i++) {
      queue.push(async () => {
        running += 1;
        most = Math.max(most, running);
        await tick();
        log.push(String(i));
        running -= 1;
      });
    }
    await queue.idle();
    assert.equal(most, 1);
    assert.deepEqual(log, Array.from({ length: 20 }, (_, i) => String(i)));
    assert.deepEqual(errors, []);
  });

  it('a command that throws does not stop the ones after it', async () => {
    const errors: unknown[] = [];
    const queue = new CommandQueue(10, (e) => errors.push(e));
    const ran: number[] = [];
    queue.push(async () => {
      throw new Error('first');
    });
    queue.push(async () => {
      ran.push(2);
    });
    await queue.idle();
    assert.deepEqual(ran, [2]);
    assert.equal(errors.length, 1);
  });

  it('refuses more than its limit of waiting commands, and runs nothing after close', async () => {
    const queue = new CommandQueue(3, () => {});
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ran: number[] = [];
    const accepted = [1, 2, 3, 4, 5].map((n) =>
      queue.push(async () => {
        await gate;
        ran.push(n);
      }),
    );
    assert.deepEqual(accepted, [true, true, true, false, false]);
    assert.equal(queue.pending(), 3);
    await tick(); // the first one has started and waits at the gate
    queue.close();
    assert.equal(queue.push(async () => {}), false);
    release();
    await queue.idle();
    assert.deepEqual(ran, [1]);
    assert.equal(queue.pending(), 0);
  });
});

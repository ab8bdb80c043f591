import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/mqtt/rate-limit.js';
import { FakeTimers } from './fake-timers.js';

describe('mqtt rate limiter (D7)', () => {
  let timers: FakeTimers;
  let runs: number[];
  let value: number;
  let seen: number[];
  let limiter: RateLimiter;
  beforeEach(() => {
    timers = new FakeTimers();
    runs = [];
    seen = [];
    value = 0;
    limiter = new RateLimiter(
      5000,
      () => {
        runs.push(timers.now());
        seen.push(value);
      },
      timers,
    );
  });

  it('publishes the first request on the next tick, then at most once per interval', () => {
    for (let i = 0; i < 100; i++) {
      value = i;
      limiter.request();
      timers.advance(100); // 100 requests over 10 s
    }
    timers.advance(10_000);
    assert.deepEqual(runs, [0, 5000, 10_000]);
    assert.ok(runs.every((t, i) => i === 0 || t - (runs[i - 1] ?? 0) >= 5000));
  });

  it('never drops the last value: a trailing publish carries the latest state', () => {
    value = 1;
    limiter.request();
    timers.advance(0);
    value = 2;
    limiter.request();
    value = 3;
    limiter.request();
    timers.advance(4999);
    assert.deepEqual(seen, [1]);
    timers.advance(1);
    assert.deepEqual(seen, [1, 3]);
    timers.advance(60_000);
    assert.deepEqual(seen, [1, 3]);
  });

  it('urgent requests (state changes) skip the wait but still coalesce within one tick', () => {
    limiter.request();
    timers.advance(0);
    value = 7;
    limiter.request();
    limiter.request(true);
    limiter.request(true);
    timers.advance(0);
    assert.deepEqual(runs, [0, 0]);
    assert.deepEqual(seen, [0, 7]);
    assert.equal(timers.count(), 0);
  });

  it('flush runs a waiting publish now; cancel drops it', () => {
    limiter.request();
    timers.advance(0);
    limiter.request();
    assert.equal(limiter.pending(), true);
    limiter.flush();
    assert.equal(runs.length, 2);
    limiter.request();
    limiter.cancel();
    timers.advance(20_000);
    assert.equal(runs.length, 2);
  });
});

import assert from 'node:assert/strict';
import { LeaseTable, WorkerLease } from '../../../src/remote/lease.js';

describe('coordinator lease table', () => {
  let n = 0;
  const table = () => new LeaseTable(10_000, () => `L${++n}`);

  it('grants one lease per job', () => {
    const t = table();
    t.grant('j1', 'desk', '/m/.s', 0);
    assert.throws(() => t.grant('j1', 'nas', '/m/.s2', 0), /already has a lease/);
  });

  const checks: Array<[string, (id: string) => [string, string, string], RegExp | null]> = [
    ['the holder and its lease', (id) => ['desk', 'j1', id], null],
    ['another worker', (id) => ['nas', 'j1', id], /leased to desk, not nas/],
    ['a stale lease id', () => ['desk', 'j1', 'old'], /not the current one/],
    ['an unknown job', (id) => ['desk', 'j9', id], /no lease is held/],
  ];
  for (const [what, args, error] of checks) {
    it(`check: ${what}`, () => {
      const t = table();
      const lease = t.grant('j1', 'desk', '/m/.s', 0);
      const got = t.check(...args(lease.id));
      if (error) assert.ok(!got.ok && error.test(got.reason), JSON.stringify(got));
      else assert.ok(got.ok);
    });
  }

  it('expires leaseMs after the last renewal received; renewals (progress) extend it', () => {
    const t = table();
    const lease = t.grant('j1', 'desk', '/m/.s', 0);
    assert.deepEqual(t.takeExpired(9_999), []);
    assert.ok(t.renew('desk', 'j1', lease.id, 1, 9_000).ok);
    assert.deepEqual(t.takeExpired(18_999), []);
    assert.equal(t.expiresInMs(lease, 18_000), 1_000);
    assert.deepEqual(t.takeExpired(19_000).map((l) => l.jobId), ['j1']);
    assert.equal(t.get('j1'), undefined);
    assert.ok(!t.renew('desk', 'j1', lease.id, 2, 19_001).ok, 'a renewal after expiry is refused');
  });

  it('an older seq does not extend the lease', () => {
    const t = table();
    const lease = t.grant('j1', 'desk', '/m/.s', 0);
    t.renew('desk', 'j1', lease.id, 5, 5_000);
    t.renew('desk', 'j1', lease.id, 3, 9_000);
    assert.deepEqual(t.takeExpired(15_000).map((l) => l.jobId), ['j1']);
  });

  it('a finalizing lease never expires', () => {
    const t = table();
    t.grant('j1', 'desk', '/m/.s', 0);
    t.finalizing('j1');
    assert.deepEqual(t.takeExpired(1e9), []);
    assert.equal(t.release('j1')?.state, 'finalizing');
  });
});

describe('worker lease', () => {
  it('may not stage before a renewal is acknowledged, and its deadline counts from the send', () => {
    const w = new WorkerLease(10_000, 1_000);
    assert.equal(w.mayStage(1_000), false);
    const seq = w.nextRenewal(2_000);
    w.acknowledged(seq);
    assert.equal(w.mayStage(11_999), true);
    assert.equal(w.mayStage(12_000), false, 'sent at 2 000 + 10 000');
  });

  it('an acknowledgement of an unknown or older renewal changes nothing', () => {
    const w = new WorkerLease(10_000, 0);
    const a = w.nextRenewal(1_000);
    const b = w.nextRenewal(5_000);
    w.acknowledged(b);
    w.acknowledged(a);
    w.acknowledged(99);
    assert.equal(w.remainingMs(5_000), 10_000);
  });

  it('expires without acknowledgements', () => {
    const w = new WorkerLease(10_000, 0);
    w.nextRenewal(3_000);
    assert.equal(w.expired(9_999), false);
    assert.equal(w.expired(10_000), true);
  });

  it("the worker's deadline is never after the coordinator's for the same renewal", () => {
    const t = new LeaseTable(10_000, () => 'L');
    const lease = t.grant('j', 'w', '/s', 0);
    const w = new WorkerLease(10_000, 50);
    for (const [sentAt, transit] of [[100, 5], [3_000, 900], [6_000, 0]] as const) {
      const seq = w.nextRenewal(sentAt);
      t.renew('w', 'j', lease.id, seq, sentAt + transit);
      w.acknowledged(seq);
      assert.ok(sentAt + transit + t.expiresInMs(lease, sentAt + transit) >= sentAt + w.remainingMs(sentAt));
    }
  });
});

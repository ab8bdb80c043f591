import assert from 'node:assert/strict';
import { parseAsk, parseLease, parseProgress, parseResult, parseStatus, remoteTopics, versionProblem } from '../../../src/remote/protocol.js';

const j = (o: unknown) => JSON.stringify(o);

describe('remote protocol messages', () => {
  const topics = remoteTopics('shrinkray');
  const parsed: Array<[string, ReturnType<typeof topics.parse>]> = [
    ['shrinkray/workers/desk-gpu/ask', { name: 'desk-gpu', kind: 'ask' }],
    ['shrinkray/workers/desk/result', { name: 'desk', kind: 'result' }],
    ['shrinkray/workers/desk/result/x', undefined],
    ['shrinkray/workers/de sk/ask', undefined],
    ['shrinkray/workers/desk/nonsense', undefined],
    ['other/workers/desk/ask', undefined],
    ['shrinkray/workers/coordinator', undefined],
  ];
  for (const [topic, want] of parsed) it(`topic ${topic}`, () => assert.deepEqual(topics.parse(topic), want));

  const cases: Array<[string, (p: string) => { ok: boolean; reason?: string }, string, RegExp | null]> = [
    ['ask ok', parseAsk, j({ v: 1, name: 'desk', version: '0.1.0', ask_id: 'a1' }), null],
    ['ask of another protocol', parseAsk, j({ v: 2, name: 'desk', version: '0.1.0', ask_id: 'a1' }), /protocol version 2 is not 1/],
    ['ask with a bad name', parseAsk, j({ v: 1, name: 'a/b', version: '0.1.0', ask_id: 'a1' }), /name/],
    ['not JSON', parseAsk, '{', /not JSON/],
    ['an array', parseAsk, '[]', /not a JSON object/],
    ['progress ok', parseProgress, j({ v: 1, job_id: 'j', lease_id: 'l', seq: 1, progress: 50, speed: 1.5, eta: '1m' }), null],
    ['progress over 100', parseProgress, j({ v: 1, job_id: 'j', lease_id: 'l', seq: 1, progress: 101, speed: 1, eta: '' }), /progress/],
    ['progress without lease', parseProgress, j({ v: 1, job_id: 'j', seq: 1, progress: 1, speed: 1, eta: '' }), /lease_id/],
    ['staged ok', parseResult, j({ v: 1, job_id: 'j', lease_id: 'l', outcome: 'staged', staging: '/m/.x', size: 10, expect: { duration_ms: 1000, audio_streams: 1 } }), null],
    ['staged without expect', parseResult, j({ v: 1, job_id: 'j', lease_id: 'l', outcome: 'staged', staging: '/m/.x', size: 10 }), /expect/],
    ['failed without error', parseResult, j({ v: 1, job_id: 'j', lease_id: 'l', outcome: 'failed' }), /error/],
    ['unknown outcome', parseResult, j({ v: 1, job_id: 'j', lease_id: 'l', outcome: 'done' }), /outcome/],
    ['status ok', parseStatus, j({ v: 1, name: 'desk', online: true, encoders: [{ codec: 'hevc', encoder: 'hevc_nvenc', accel: 'nvenc', hardware: true }], slots: 1, free: 1 }), null],
    ['status with a bad encoder', parseStatus, j({ v: 1, name: 'desk', online: true, encoders: [{ codec: 'h264', encoder: 'x', accel: 'none', hardware: false }] }), /encoders/],
    ['lease ok', parseLease, j({ v: 1, job_id: 'j', lease_id: 'l', ok: true, seq: 3, expires_in_ms: 1000 }), null],
    ['lease revoked', parseLease, j({ v: 1, job_id: 'j', lease_id: 'l', ok: false, final: true, reason: 'paused' }), null],
    ['huge payload', parseAsk, j({ v: 1, name: 'desk', version: 'x', ask_id: 'a', pad: 'x'.repeat(70_000) }), /64 KiB/],
  ];
  for (const [what, parse, payload, error] of cases) {
    it(what, () => {
      const got = parse(payload);
      if (error) assert.ok(!got.ok && error.test(got.reason ?? ''), JSON.stringify(got).slice(0, 200));
      else assert.ok(got.ok, JSON.stringify(got));
    });
  }

  it('a version mismatch reads as a sentence naming both versions', () => {
    assert.equal(versionProblem('desk', '0.1.0', '0.1.0'), undefined);
    assert.match(versionProblem('desk', '0.0.9', '0.1.0') ?? '', /worker desk runs shrinkray 0\.0\.9 but the coordinator runs 0\.1\.0: install 0\.1\.0 on the worker/);
  });
});

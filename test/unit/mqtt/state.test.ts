import assert from 'node:assert/strict';
import type { Job, Stats } from '../../../src/jobs/types.js';
import { buildDiscovery } from '../../../src/mqtt/discovery.js';
import { EVENT_TYPES, EventTracker, jobEventPayload } from '../../../src/mqtt/events.js';
import {
  parseEta,
  projectCurrentJob,
  projectEncoder,
  projectQueueState,
} from '../../../src/mqtt/state.js';
import { makeTopics } from '../../../src/mqtt/topics.js';
import {
  entityState,
  validateAttributesPayload,
  validateEventPayload,
} from '../../helpers/ha-rules.js';

const stats = (over: Partial<Stats> = {}): Stats => ({
  pending: 0,
  running: 0,
  complete: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
  total: 0,
  total_saved: 0,
  session_saved: 0,
  lifetime_saved: 0,
  ...over,
});

const job = (over: Partial<Job> = {}): Job => ({
  id: 'j1',
  input_path: '/media/Movies/Big Movie (2020).mkv',
  preset_id: 'compress-hevc',
  encoder: 'nvenc',
  is_hardware: true,
  status: 'running',
  progress: 42.123,
  speed: 2.3456,
  eta: '4m 10s',
  input_size: 4_000_000_000,
  created_at: '2026-01-01T00:00:00Z',
  started_at: '2026-01-01T00:01:00Z',
  completed_at: null,
  encoder_name: 'hevc_nvenc',
  ...over,
});

const topics = makeTopics('shrinkray', 'homeassistant', 'iid');
const configs = buildDiscovery({ topics, swVersion: '1' });
/** What HA would show for every entity fed by `topic`, given this payload. */
function states(topic: string, payload: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of configs.filter(
    (m) => m.payload.state_topic === topic && m.component !== 'event',
  )) {
    out[c.objectId] = entityState(c.component, c.payload, payload);
  }
  return out;
}

describe('mqtt state projection', () => {
  it('parses upstream ETA strings', () => {
    assert.equal(parseEta('1h 5m'), 3900);
    assert.equal(parseEta('4m 10s'), 250);
    assert.equal(parseEta('9s'), 9);
    assert.equal(parseEta(''), null);
    assert.equal(parseEta('soon'), null);
  });

  it('queue state drives counts, space saved in GB, transcoding and paused/workers entities', () => {
    const s = projectQueueState(
      stats({
        pending: 3,
        running: 1,
        complete: 10,
        failed: 2,
        skipped: 1,
        session_saved: 1_234_567_890,
        lifetime_saved: 98_765_432_100,
      }),
      true,
      2,
    );
    assert.deepEqual(states(topics.state, JSON.stringify(s)), {
      queue_pending: '3',
      queue_running: '1',
      queue_complete: '10',
      queue_failed: '2',
      queue_skipped: '1',
      space_saved_session: '1.235',
      space_saved_lifetime: '98.765',
      transcoding: 'on',
      queue_paused: 'on',
      workers: '2',
    });
    const idle = projectQueueState(stats(), false, 1);
    const idleStates = states(topics.state, JSON.stringify(idle));
    assert.equal(idleStates.transcoding, 'off');
    assert.equal(idleStates.queue_paused, 'off');
    assert.equal(idleStates.space_saved_session, '0');
  });

  it('current job: name, rounded progress/speed, ETA seconds, encoder, hardware; unknown while idle', () => {
    const running = projectCurrentJob([
      job(),
      job({ id: 'j2', input_path: '/media/b.mkv', progress: 5 }),
    ]);
    assert.equal(running.status, 'transcoding');
    assert.equal(running.running_jobs, 2);
    assert.deepEqual(running.others, [{ id: 'j2', file: 'b.mkv', progress: 5 }]);
    const payload = JSON.stringify(running);
    assert.deepEqual(validateAttributesPayload(payload), []);
    assert.deepEqual(states(topics.current, payload), {
      current_file: 'Big Movie (2020).mkv',
      current_progress: '42.1',
      current_speed: '2.35',
      current_eta: '250',
      current_encoder: 'hevc_nvenc',
      current_acceleration: 'hardware',
    });
    const sw = projectCurrentJob([
      job({ is_hardware: false, encoder: 'none', encoder_name: undefined as never, eta: '' }),
    ]);
    assert.equal(sw.acceleration, 'software');
    assert.equal(sw.eta_seconds, null);
    const idle = JSON.stringify(projectCurrentJob([]));
    assert.deepEqual(validateAttributesPayload(idle), []);
    for (const value of Object.values(states(topics.current, idle))) assert.equal(value, null);
  });

  it('encoder payload feeds the encoder sensor and its attributes', () => {
    const payload = JSON.stringify(
      projectEncoder({
        best: 'hevc_vaapi',
        hevc: 'hevc_vaapi',
        av1: 'libsvtav1',
        is_hardware: true,
      }),
    );
    assert.deepEqual(states(topics.encoder, payload), { encoder: 'hevc_vaapi' });
    assert.deepEqual(validateAttributesPayload(payload), []);
    assert.equal(JSON.parse(payload).acceleration, 'hardware');
  });
});

describe('mqtt events', () => {
  it('job events carry path, preset, space saved and error, and pass HA event rules', () => {
    const done = jobEventPayload(
      'job_complete',
      job({
        status: 'complete',
        space_saved: 1000,
        output_size: 5,
        completed_at: '2026-01-01T01:00:00Z',
      }),
    );
    assert.equal(done.path, '/media/Movies/Big Movie (2020).mkv');
    assert.equal(done.file, 'Big Movie (2020).mkv');
    assert.equal(done.preset_id, 'compress-hevc');
    assert.equal(done.space_saved, 1000);
    assert.equal('error' in done, false);
    assert.deepEqual(validateEventPayload(JSON.stringify(done), EVENT_TYPES, false), []);
    const failed = jobEventPayload(
      'job_failed',
      job({ status: 'failed', error: 'ffmpeg exited 1' }),
    );
    assert.equal(failed.error, 'ffmpeg exited 1');
  });

  it('queue_drained fires once when the last job finishes, and again after new work', () => {
    const tracker = new EventTracker();
    let now = stats({ pending: 1, running: 1 });
    const types = (e: Parameters<EventTracker['handle']>[0]) =>
      tracker.handle(e, () => now).map((p) => p.event_type);
    assert.deepEqual(types({ type: 'complete', job: job({ status: 'complete' }) }), [
      'job_complete',
    ]);
    now = stats({ complete: 1, failed: 1 });
    assert.deepEqual(types({ type: 'failed', job: job({ status: 'failed' }) }), [
      'job_failed',
      'queue_drained',
    ]);
    assert.deepEqual(types({ type: 'cancelled', job: job({ status: 'cancelled' }) }), [
      'job_cancelled',
    ]);
    assert.deepEqual(types({ type: 'progress', job: job() }), []);
    assert.deepEqual(types({ type: 'started', job: job() }), []);
    assert.deepEqual(types({ type: 'skipped', job: job({ status: 'skipped' }) }), [
      'job_skipped',
      'queue_drained',
    ]);
  });
});

import assert from 'node:assert/strict';
import { makeTopics } from '../../../src/mqtt/topics.js';
import { isWorkerDiscoveryTopic, WorkerEntities, type WorkerSummary, workerStateTopic } from '../../../src/mqtt/workers.js';
import { validateDiscovery } from '../../helpers/ha-rules.js';

const topics = makeTopics('shrinkray', 'homeassistant', 'abc');
const desk = (over: Partial<WorkerSummary> = {}): WorkerSummary => ({
  name: 'Desk-GPU',
  online: true,
  version: '1.0.0',
  slots: 2,
  free: 2,
  encoders: [{ codec: 'hevc', encoder: 'hevc_nvenc', hardware: true }],
  running_jobs: [],
  last_seen: '2026-01-01T00:00:00.000Z',
  ...over,
});

function harness() {
  let list: WorkerSummary[] = [];
  let connected = true;
  const sent: Array<{ topic: string; payload: string; retain: boolean }> = [];
  const entities = new WorkerEntities({
    ctx: { topics, swVersion: '1.0.0' },
    list: () => list,
    publish: (topic, payload, opts) => void sent.push({ topic, payload, retain: opts.retain }),
    isConnected: () => connected,
  });
  return {
    entities,
    sent,
    set: (l: WorkerSummary[]) => {
      list = l;
    },
    connect: (c: boolean) => {
      connected = c;
    },
  };
}

describe('mqtt remote worker entities', () => {
  it('announces two valid entities per worker once, then only state changes; forced sync sends all again', () => {
    const h = harness();
    h.set([desk()]);
    h.entities.sync(false);
    const configs = h.sent.filter((m) => m.topic.endsWith('/config'));
    assert.deepEqual(configs.map((m) => m.topic).sort(), ['homeassistant/binary_sensor/shrinkray_abc/worker_desk_gpu_online/config', 'homeassistant/sensor/shrinkray_abc/worker_desk_gpu_running/config']);
    for (const m of configs) {
      const result = validateDiscovery(m.topic, m.payload);
      assert.deepEqual([...result.errors, ...result.warnings], [], m.topic);
      assert.ok(isWorkerDiscoveryTopic(topics, m.topic));
    }
    assert.equal(h.sent.filter((m) => m.topic === workerStateTopic(topics, 'Desk-GPU')).length, 1);
    h.sent.length = 0;
    h.entities.sync(false);
    assert.equal(h.sent.length, 0, 'nothing changed, nothing sent');
    h.set([desk({ running_jobs: ['j1'], free: 1 })]);
    h.entities.sync(false);
    assert.deepEqual(h.sent.map((m) => m.topic), [workerStateTopic(topics, 'Desk-GPU')]);
    assert.equal(JSON.parse(h.sent[0]?.payload ?? '{}').running, 1);
    h.sent.length = 0;
    h.entities.sync(true);
    assert.equal(h.sent.length, 3);
  });

  it('a forgotten worker loses its configs and state (empty retained); while disconnected, on the next sync', () => {
    const h = harness();
    h.set([desk()]);
    h.entities.sync(false);
    h.sent.length = 0;
    h.connect(false);
    h.set([]);
    h.entities.sync(false);
    assert.equal(h.sent.length, 0);
    h.connect(true);
    h.entities.sync(false);
    assert.equal(h.sent.length, 3);
    assert.ok(h.sent.every((m) => m.payload === '' && m.retain));
    h.sent.length = 0;
    h.entities.sync(false);
    assert.equal(h.sent.length, 0);
  });

  it('leaves other node ids and the main entities to the connect-time cleanup', () => {
    assert.equal(isWorkerDiscoveryTopic(topics, 'homeassistant/sensor/shrinkray_abc/queue_pending/config'), false);
    assert.equal(isWorkerDiscoveryTopic(topics, 'homeassistant/sensor/shrinkray_other/worker_x_running/config'), false);
  });
});

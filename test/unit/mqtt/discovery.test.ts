import assert from 'node:assert/strict';
import {
  buildDiscovery,
  isValidConfigurationUrl,
  staleConfigReason,
} from '../../../src/mqtt/discovery.js';
import { EVENT_TYPES } from '../../../src/mqtt/events.js';
import { makeTopics, topicId } from '../../../src/mqtt/topics.js';
import { validateDiscovery } from '../../helpers/ha-rules.js';

const topics = makeTopics('shrinkray', 'homeassistant', 'abc123');
const ctx = {
  topics,
  swVersion: '1.2.3',
  configurationUrl: 'homeassistant://hassio/ingress/local_shrinkray',
};

describe('mqtt discovery payloads', () => {
  const messages = buildDiscovery(ctx);

  it('every config passes Home Assistant rules for its component (strict, no warnings)', () => {
    for (const message of messages) {
      const result = validateDiscovery(message.topic, JSON.stringify(message.payload));
      assert.deepEqual(result.errors, [], `${message.topic}: ${result.errors.join('; ')}`);
      assert.deepEqual(result.warnings, [], `${message.topic}: ${result.warnings.join('; ')}`);
      assert.equal(result.component, message.component);
    }
  });

  it('publishes the entity list of issue 5', () => {
    const ids = messages.map((m) => `${m.component}.${m.objectId}`).sort();
    assert.deepEqual(ids, [
      'binary_sensor.transcoding',
      'button.clear_finished',
      'button.reset_session',
      'button.retry_failed',
      'event.job',
      'number.workers',
      'sensor.current_acceleration',
      'sensor.current_encoder',
      'sensor.current_eta',
      'sensor.current_file',
      'sensor.current_progress',
      'sensor.current_speed',
      'sensor.encoder',
      'sensor.queue_complete',
      'sensor.queue_failed',
      'sensor.queue_pending',
      'sensor.queue_running',
      'sensor.queue_skipped',
      'sensor.space_saved_lifetime',
      'sensor.space_saved_session',
      'switch.queue_paused',
    ]);
  });

  it('uses stable unique ids shrinkray_<instance>_<object>, unique per platform, and matching topics', () => {
    const again = buildDiscovery({ ...ctx, swVersion: '9.9.9' });
    assert.deepEqual(
      again.map((m) => m.payload.unique_id),
      messages.map((m) => m.payload.unique_id),
    );
    assert.equal(new Set(messages.map((m) => m.uniqueId)).size, messages.length);
    for (const m of messages) {
      assert.equal(m.payload.unique_id, `shrinkray_abc123_${m.objectId}`);
      assert.equal(m.topic, `homeassistant/${m.component}/shrinkray_abc123/${m.objectId}/config`);
      assert.equal(m.payload.default_entity_id, `${m.component}.shrinkray_${m.objectId}`);
      assert.equal(m.payload.availability_topic, 'shrinkray/status');
    }
  });

  it('has one device (same block everywhere) with name, model, sw_version, configuration_url and an origin', () => {
    const devices = new Set(messages.map((m) => JSON.stringify(m.payload.device)));
    assert.equal(devices.size, 1);
    const device = messages[0]?.payload.device as Record<string, unknown>;
    assert.deepEqual(device.identifiers, ['shrinkray_abc123']);
    assert.equal(device.name, 'Shrinkray');
    assert.equal(device.sw_version, '1.2.3');
    assert.equal(typeof device.model, 'string');
    assert.equal(device.configuration_url, ctx.configurationUrl);
    const origin = messages[0]?.payload.origin as Record<string, unknown>;
    assert.equal(origin.name, 'Shrinkray');
    assert.equal(origin.sw_version, '1.2.3');
  });

  it('leaves out a configuration_url HA would reject instead of invalidating every entity', () => {
    for (const url of ['ftp://x/y', 'homeassistant:///x', 'not a url', '/relative']) {
      assert.equal(isValidConfigurationUrl(url), false, url);
      const [first] = buildDiscovery({ ...ctx, configurationUrl: url });
      assert.ok(first);
      assert.equal((first.payload.device as Record<string, unknown>).configuration_url, undefined);
      assert.deepEqual(validateDiscovery(first.topic, first.payload).errors, []);
    }
    assert.equal(isValidConfigurationUrl('http://192.168.1.5:8080/'), true);
  });

  it('event entity lists every event type; commands point at our topics', () => {
    const byId = new Map(messages.map((m) => [m.objectId, m.payload]));
    assert.deepEqual(byId.get('job')?.event_types, [...EVENT_TYPES]);
    assert.deepEqual(
      [...EVENT_TYPES],
      ['job_complete', 'job_failed', 'job_skipped', 'job_cancelled', 'queue_drained'],
    );
    assert.equal(byId.get('job')?.state_topic, 'shrinkray/event');
    assert.equal(byId.get('queue_paused')?.command_topic, 'shrinkray/set/paused');
    assert.equal(byId.get('workers')?.command_topic, 'shrinkray/set/workers');
    assert.equal(byId.get('workers')?.min, 1);
    assert.equal(byId.get('workers')?.max, 6);
    assert.equal(
      byId.get('clear_finished')?.command_topic,
      'shrinkray/request/queue/clear_finished',
    );
    assert.equal(byId.get('retry_failed')?.command_topic, 'shrinkray/request/queue/retry_failed');
    assert.equal(byId.get('reset_session')?.command_topic, 'shrinkray/request/stats/reset_session');
    assert.equal(byId.get('transcoding')?.device_class, 'running');
    for (const key of ['space_saved_session', 'space_saved_lifetime']) {
      assert.equal(byId.get(key)?.device_class, 'data_size');
    }
  });

  it('follows a custom base topic and discovery prefix, sanitising the instance id for topics', () => {
    const custom = makeTopics('media/shrink', 'ha', 'my data.dir');
    assert.equal(custom.nodeId, 'shrinkray_my_data_dir');
    assert.equal(topicId(''), '_');
    for (const m of buildDiscovery({ topics: custom, swVersion: '1' })) {
      assert.ok(m.topic.startsWith('ha/'));
      assert.deepEqual(validateDiscovery(m.topic, m.payload, { prefix: 'ha' }).errors, []);
      assert.equal(m.payload.availability_topic, 'media/shrink/status');
    }
  });

  it('a stale config of our node is a retained, non-empty config that we do not publish any more', () => {
    const cleanup = { topics, current: new Set(messages.map((m) => m.topic)), previousNodeIds: new Set<string>() };
    const ours = messages[0]?.topic ?? '';
    const old = 'homeassistant/sensor/shrinkray_abc123/old_thing/config';
    assert.ok(staleConfigReason(old, '{"a":1}', true, cleanup));
    assert.equal(staleConfigReason(old, '', true, cleanup), null);
    assert.equal(staleConfigReason(old, '{"a":1}', false, cleanup), null);
    assert.equal(staleConfigReason(ours, '{"a":1}', true, cleanup), null);
  });

  describe('configs of other Shrinkray devices', () => {
    /** A config as another instance (id, base topic) publishes it. */
    const foreign = (id: string, base = 'shrinkray', prefix = 'homeassistant') => {
      const [m] = buildDiscovery({ topics: makeTopics(base, prefix, id), swVersion: '0.0.1' });
      if (!m) throw new Error('no discovery');
      return { topic: m.topic, payload: JSON.stringify(m.payload), parsed: m.payload };
    };
    const cleanup = (previous: string[] = []) => ({
      topics,
      current: new Set(messages.map((m) => m.topic)),
      previousNodeIds: new Set(previous.map((id) => `shrinkray_${id}`)),
    });

    it('removes the device of an id this data folder used before, whatever its base topic', () => {
      const old = foreign('0ld1d', 'elsewhere');
      assert.match(staleConfigReason(old.topic, old.payload, true, cleanup(['0ld1d'])) ?? '', /used before/);
    });

    it('removes an earlier device on our base topic (a reinstall that lost the data folder)', () => {
      const old = foreign('f0f0f0f0');
      assert.match(staleConfigReason(old.topic, old.payload, true, cleanup()) ?? '', /base topic/);
    });

    it('leaves another instance (another base topic) alone', () => {
      const other = foreign('beef', 'shrinkray2');
      assert.equal(staleConfigReason(other.topic, other.payload, true, cleanup()), null);
    });

    it('leaves configs alone unless they are Shrinkray devices: origin, identifiers, topic shape, JSON', () => {
      const base = foreign('f0f0f0f0');
      const variants: Record<string, unknown>[] = [
        { ...base.parsed, origin: { name: 'Zigbee2MQTT' } },
        { ...base.parsed, origin: undefined },
        { ...base.parsed, device: { identifiers: ['something_else'] } },
        { ...base.parsed, device: { identifiers: 'shrinkray_f0f0f0f0' } },
      ];
      for (const v of variants) assert.equal(staleConfigReason(base.topic, JSON.stringify(v), true, cleanup()), null, JSON.stringify(v));
      assert.equal(staleConfigReason(base.topic, '{oops', true, cleanup()), null);
      assert.equal(staleConfigReason(base.topic, '[1]', true, cleanup()), null);
      assert.equal(staleConfigReason(base.topic, base.payload, false, cleanup()), null, 'not retained');
      const notOurs = base.topic.replace('shrinkray_f0f0f0f0', 'zigbee_f0f0f0f0');
      assert.equal(staleConfigReason(notOurs, base.payload, true, cleanup()), null, 'node id not shrinkray_');
      assert.equal(staleConfigReason(`${base.topic}/x`, base.payload, true, cleanup()), null, 'other topic shape');
      assert.equal(staleConfigReason(`other/${base.topic}`, base.payload, true, cleanup()), null, 'other prefix');
    });
  });
});

/** The HA rules validator must reject what Home Assistant rejects (a validator that accepts all is useless). */
import assert from 'node:assert/strict';
import {
  entityState,
  expandAbbreviations,
  renderTemplate,
  topicProblem,
  validateAttributesPayload,
  validateDiscovery,
  validateEntityConfig,
  validateEventPayload,
} from '../../helpers/ha-rules.js';

const device = { identifiers: ['shrinkray_x'], name: 'Shrinkray' };
const origin = { name: 'Shrinkray' };
const sensor = { name: 'S', unique_id: 'u1', state_topic: 'a/state', device, origin };
const T = 'homeassistant/sensor/node/obj/config';

function fails(component: string, payload: Record<string, unknown>, pattern: RegExp): void {
  const { errors } = validateEntityConfig(component, payload);
  assert.ok(
    errors.some((e) => pattern.test(e)),
    `expected an error matching ${pattern} for ${JSON.stringify(payload)}, got ${JSON.stringify(errors)}`,
  );
}

describe('ha-rules validator', () => {
  it('accepts a correct sensor and expands abbreviations (device and origin too)', () => {
    const result = validateDiscovery(T, {
      stat_t: '~/state',
      '~': 'shrinkray',
      uniq_id: 'u1',
      dev_cla: 'data_size',
      unit_of_meas: 'GB',
      stat_cla: 'total_increasing',
      val_tpl: '{{ value_json.x }}',
      avty_t: '~/status',
      dev: { ids: ['x'], mf: 'M', cu: 'homeassistant://config/integrations' },
      o: { name: 'o', sw: '1', url: 'https://example.com' },
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.config.state_topic, 'shrinkray/state');
    assert.equal(result.config.availability_topic, 'shrinkray/status');
    assert.deepEqual(result.config.device, {
      identifiers: ['x'],
      manufacturer: 'M',
      configuration_url: 'homeassistant://config/integrations',
    });
    assert.deepEqual(expandAbbreviations({ avty: [{ t: 't', pl_avail: 'up' }] }).availability, [
      { topic: 't', payload_available: 'up' },
    ]);
  });

  it('rejects bad discovery topics and payloads', () => {
    assert.match(
      validateDiscovery('homeassistant/sensor/a.b/config', sensor).errors[0] ?? '',
      /illegal/,
    );
    assert.match(
      validateDiscovery('homeassistant/sensor/x/y/z/config', sensor).errors[0] ?? '',
      /illegal/,
    );
    assert.match(
      validateDiscovery('homeassistant/toaster/x/config', sensor).errors[0] ?? '',
      /not supported/,
    );
    assert.match(
      validateDiscovery('other/sensor/x/config', sensor).errors[0] ?? '',
      /does not start/,
    );
    assert.match(validateDiscovery(T, '[1,2]').errors[0] ?? '', /JSON object/);
    assert.match(validateDiscovery(T, '{nope').errors[0] ?? '', /parse JSON/);
    assert.match(
      validateDiscovery('homeassistant/text/x/config', sensor).errors[0] ?? '',
      /not covered/,
    );
  });

  it('rejects missing required keys per platform', () => {
    fails('sensor', { name: 'x' }, /'state_topic' is missing/);
    fails('binary_sensor', { name: 'x' }, /'state_topic' is missing/);
    fails('switch', { state_topic: 'a' }, /'command_topic' is missing/);
    fails('button', {}, /'command_topic' is missing/);
    fails('number', { state_topic: 'a' }, /'command_topic' is missing/);
    fails('event', { state_topic: 'a' }, /'event_types' is missing/);
  });

  it('rejects keys HA would drop (unknown, removed abbreviations, object_id) in strict mode', () => {
    fails('sensor', { ...sensor, obj_id: 'x' }, /unknown key 'obj_id'/);
    fails('sensor', { ...sensor, object_id: 'x' }, /object_id is ignored/);
    fails('sensor', { ...sensor, lrst_t: 'x' }, /unknown key 'lrst_t'/);
    fails('button', { command_topic: 'a', state_topic: 'b' }, /unknown key 'state_topic'/);
    const loose = validateEntityConfig('sensor', { ...sensor, foo: 1 }, { strict: false });
    assert.deepEqual(loose.errors, []);
    assert.equal(loose.warnings.length, 1);
  });

  it('enforces sensor device_class / unit / state_class rules', () => {
    fails(
      'sensor',
      { ...sensor, device_class: 'data_size', unit_of_measurement: 'GBytes' },
      /not valid together/,
    );
    fails(
      'sensor',
      { ...sensor, device_class: 'data_size', unit_of_measurement: 'gb' },
      /not valid together/,
    );
    fails(
      'sensor',
      { ...sensor, device_class: 'duration', unit_of_measurement: 'w' },
      /not valid together/,
    );
    fails(
      'sensor',
      { ...sensor, device_class: 'timestamp', unit_of_measurement: 's' },
      /no state_class and no unit/,
    );
    fails(
      'sensor',
      { ...sensor, device_class: 'timestamp', state_class: 'measurement' },
      /no state_class/,
    );
    fails('sensor', { ...sensor, options: ['a'] }, /requires device_class 'enum'/);
    fails('sensor', { ...sensor, device_class: 'enum', options: [] }, /non-empty/);
    fails(
      'sensor',
      { ...sensor, device_class: 'enum', options: ['a'], unit_of_measurement: 'x' },
      /no state_class and no unit/,
    );
    fails(
      'sensor',
      { ...sensor, state_class: 'total_increasing', last_reset_value_template: '{{ 1 }}' },
      /needs state_class total/,
    );
    fails('sensor', { ...sensor, state_class: 'sum' }, /not valid/);
    fails(
      'sensor',
      { ...sensor, state_class: 'measurement_angle', unit_of_measurement: 'deg' },
      /needs unit/,
    );
    fails('sensor', { ...sensor, device_class: 'loudness' }, /unknown/);
    // µ (micro sign) is normalised to μ (mu) before the check.
    assert.deepEqual(
      validateEntityConfig('sensor', {
        ...sensor,
        device_class: 'duration',
        unit_of_measurement: 'µs',
      }).errors,
      [],
    );
    const warn = validateEntityConfig('sensor', {
      ...sensor,
      device_class: 'data_rate',
      unit_of_measurement: 'MB/s',
      state_class: 'total',
    });
    assert.deepEqual(warn.errors, []);
    assert.match(warn.warnings[0] ?? '', /impossible/);
  });

  it('enforces device, origin and availability blocks (strict, no extra keys)', () => {
    fails('sensor', { ...sensor, device: { name: 'x' } }, /at least one identifying value/);
    fails('sensor', { ...sensor, device: { identifiers: [''] } }, /at least one identifying value/);
    fails(
      'sensor',
      { ...sensor, device: { ...device, support_url: 'https://x' } },
      /extra key 'support_url'/,
    );
    fails('sensor', { ...sensor, device: { ...device, configuration_url: 'ftp://x' } }, /scheme/);
    fails(
      'sensor',
      { ...sensor, device: { ...device, configuration_url: 'homeassistant:///x' } },
      /needs a host/,
    );
    fails('sensor', { ...sensor, device: { ...device, connections: [['mac']] } }, /pairs/);
    fails('sensor', { ...sensor, origin: { sw_version: '1' } }, /origin.name is required/);
    fails('sensor', { ...sensor, origin: { name: 'o', version: '1' } }, /extra key 'version'/);
    fails(
      'sensor',
      { ...sensor, availability_topic: 'a', availability: [{ topic: 'b' }] },
      /mutually exclusive/,
    );
    fails('sensor', { ...sensor, availability: [{ topic: 'b', foo: 1 }] }, /extra key 'foo'/);
    fails(
      'sensor',
      { ...sensor, availability: [{ payload_available: 'x' }] },
      /availability.topic/,
    );
    fails('sensor', { ...sensor, availability_mode: 'some' }, /availability_mode/);
  });

  it('enforces common option types', () => {
    fails('sensor', { ...sensor, entity_category: 'config' }, /cannot be added/);
    fails('binary_sensor', { ...sensor, entity_category: 'config' }, /cannot be added/);
    fails('sensor', { ...sensor, entity_category: 'system' }, /config or diagnostic/);
    fails('sensor', { ...sensor, icon: 'tray' }, /icon/);
    fails('sensor', { ...sensor, qos: 3 }, /qos/);
    fails('sensor', { ...sensor, default_entity_id: 'shrinkray_x' }, /full entity id/);
    fails('sensor', { ...sensor, default_entity_id: 'switch.shrinkray_x' }, /domain 'switch'/);
    fails('sensor', { ...sensor, value_template: '{{ value_json.x' }, /unbalanced/);
    fails('sensor', { ...sensor, value_template: ['x'] }, /template string/);
    fails('sensor', { ...sensor, state_topic: 'a/+x' }, /whole level/);
    fails('sensor', { ...sensor, state_topic: 'a/#/b' }, /last level/);
    fails('sensor', { ...sensor, suggested_display_precision: -1 }, /integer >= 0/);
    fails('switch', { command_topic: 'a/+' }, /command_topic must not contain/);
    fails('switch', { command_topic: 'a', device_class: 'light' }, /not valid for switch/);
    fails('binary_sensor', { state_topic: 'a', device_class: 'transcoding' }, /not valid/);
    fails('button', { command_topic: 'a', device_class: 'press' }, /not valid/);
    fails('number', { command_topic: 'a', min: 5, max: 1 }, /max must be >= min/);
    fails('number', { command_topic: 'a', max: -1 }, /max must be >= min/);
    fails('number', { command_topic: 'a', step: 0.0001 }, /step/);
    fails('number', { command_topic: 'a', mode: 'dial' }, /mode/);
    fails('event', { state_topic: 'a', event_types: [] }, /non-empty/);
    fails('event', { state_topic: 'a', event_types: ['x'], device_class: 'job' }, /not valid/);
    assert.equal(topicProblem('a/+/b/#', 'subscribe'), null);
    assert.match(topicProblem('a\u0000b', 'subscribe') ?? '', /control/);
  });

  it('checks event payloads: JSON object, known event_type, never retained', () => {
    const types = ['job_complete'];
    assert.deepEqual(
      validateEventPayload('{"event_type":"job_complete","path":"/x"}', types, false),
      [],
    );
    assert.match(
      validateEventPayload('{"event_type":"job_complete"}', types, true)[0] ?? '',
      /retained/,
    );
    assert.match(
      validateEventPayload('{"event_type":"job_done"}', types, false)[0] ?? '',
      /not in event_types/,
    );
    assert.match(validateEventPayload('{"path":"/x"}', types, false)[0] ?? '', /needs event_type/);
    assert.match(validateEventPayload('{}', types, false)[0] ?? '', /empty/);
    assert.match(validateEventPayload('nope', types, false)[0] ?? '', /not JSON/);
    assert.match(validateEventPayload('[1]', types, false)[0] ?? '', /object/);
  });

  it('checks attribute payloads and renders our template shapes', () => {
    assert.deepEqual(validateAttributesPayload('{"file":"a"}'), []);
    assert.match(validateAttributesPayload('{"state":"idle"}')[0] ?? '', /blocked/);
    assert.match(validateAttributesPayload('3')[0] ?? '', /object/);
    assert.equal(renderTemplate('{{ value_json.a.b }}', '{"a":{"b":1.5}}'), '1.5');
    assert.equal(renderTemplate('{{ value_json.a }}', '{"a":null}'), 'None');
    assert.equal(renderTemplate("{{ 'ON' if value_json.p else 'OFF' }}", '{"p":false}'), 'OFF');
    assert.throws(() => renderTemplate('{{ value_json.a | float }}', '{}'), /unsupported/);
  });

  it('computes entity states like HA and refuses values HA would reject', () => {
    const num = {
      state_topic: 's',
      unit_of_measurement: '%',
      value_template: '{{ value_json.p }}',
    };
    assert.equal(entityState('sensor', num, '{"p":42.5}'), '42.5');
    assert.equal(entityState('sensor', num, '{"p":null}'), null);
    assert.throws(() => entityState('sensor', num, '{"p":"lots"}'), /not numeric/);
    const ts = { state_topic: 's', device_class: 'timestamp' };
    assert.throws(() => entityState('sensor', ts, '2026-01-01T10:00:00'), /timezone/);
    assert.equal(
      entityState('sensor', ts, '2026-01-01T10:00:00+00:00'),
      '2026-01-01T10:00:00+00:00',
    );
    const en = { state_topic: 's', device_class: 'enum', options: ['a'] };
    assert.throws(() => entityState('sensor', en, 'b'), /options/);
    assert.equal(entityState('binary_sensor', { state_topic: 's' }, 'ON'), 'on');
    assert.throws(() => entityState('binary_sensor', { state_topic: 's' }, 'yes'), /neither/);
  });
});

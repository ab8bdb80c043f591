/**
 * The entities Shrinkray exposes to Home Assistant, as data. `discovery.ts` adds the shared keys
 * (unique_id, device, origin, availability). Full-length keys throughout: clearer than abbreviations.
 */
import { EVENT_TYPES } from './events.js';
import type { Topics } from './topics.js';

export type Component = 'sensor' | 'binary_sensor' | 'switch' | 'number' | 'button' | 'event';

export interface EntitySpec {
  component: Component;
  /** Stable forever: part of the unique_id and the discovery topic. */
  objectId: string;
  config: Record<string, unknown>;
}

const on = (field: string): string => `{{ 'ON' if value_json.${field} else 'OFF' }}`;
const field = (name: string): string => `{{ value_json.${name} }}`;

function queueCount(objectId: string, name: string, key: string, icon: string): EntitySpec {
  return {
    component: 'sensor',
    objectId,
    config: {
      name,
      icon,
      unit_of_measurement: 'jobs',
      state_class: 'measurement',
      value_template: field(key),
    },
  };
}

function spaceSaved(objectId: string, name: string, key: string): EntitySpec {
  return {
    component: 'sensor',
    objectId,
    config: {
      name,
      device_class: 'data_size',
      unit_of_measurement: 'GB',
      // Both only grow; the session counter dropping to 0 on reset is a new cycle for total_increasing.
      state_class: 'total_increasing',
      suggested_display_precision: 2,
      value_template: field(key),
    },
  };
}

export function entitySpecs(t: Topics): EntitySpec[] {
  const state = (spec: EntitySpec): EntitySpec => ({
    ...spec,
    config: { state_topic: t.state, ...spec.config },
  });
  const current = (spec: EntitySpec): EntitySpec => ({
    ...spec,
    config: { state_topic: t.current, ...spec.config },
  });
  return [
    state(queueCount('queue_pending', 'Pending jobs', 'pending', 'mdi:tray-full')),
    state(queueCount('queue_running', 'Running jobs', 'running', 'mdi:progress-clock')),
    state(queueCount('queue_complete', 'Completed jobs', 'complete', 'mdi:check-circle-outline')),
    state(queueCount('queue_failed', 'Failed jobs', 'failed', 'mdi:alert-circle-outline')),
    state(queueCount('queue_skipped', 'Skipped jobs', 'skipped', 'mdi:debug-step-over')),
    state(spaceSaved('space_saved_session', 'Space saved (session)', 'session_saved_gb')),
    state(spaceSaved('space_saved_lifetime', 'Space saved (lifetime)', 'lifetime_saved_gb')),
    current({
      component: 'sensor',
      objectId: 'current_file',
      config: {
        name: 'Current file',
        icon: 'mdi:file-video-outline',
        value_template: field('file'),
        json_attributes_topic: t.current,
      },
    }),
    current({
      component: 'sensor',
      objectId: 'current_progress',
      config: {
        name: 'Current progress',
        icon: 'mdi:progress-helper',
        unit_of_measurement: '%',
        state_class: 'measurement',
        suggested_display_precision: 1,
        value_template: field('progress'),
      },
    }),
    current({
      component: 'sensor',
      objectId: 'current_speed',
      config: {
        name: 'Current speed',
        icon: 'mdi:speedometer',
        unit_of_measurement: 'x',
        state_class: 'measurement',
        suggested_display_precision: 2,
        value_template: field('speed'),
      },
    }),
    current({
      component: 'sensor',
      objectId: 'current_eta',
      config: {
        name: 'Current time remaining',
        device_class: 'duration',
        unit_of_measurement: 's',
        suggested_display_precision: 0,
        value_template: field('eta_seconds'),
      },
    }),
    current({
      component: 'sensor',
      objectId: 'current_encoder',
      config: { name: 'Current encoder', icon: 'mdi:chip', value_template: field('encoder') },
    }),
    current({
      component: 'sensor',
      objectId: 'current_acceleration',
      config: {
        name: 'Current acceleration',
        icon: 'mdi:expansion-card-variant',
        device_class: 'enum',
        options: ['hardware', 'software'],
        value_template: field('acceleration'),
      },
    }),
    {
      component: 'sensor',
      objectId: 'encoder',
      config: {
        name: 'Encoder',
        icon: 'mdi:expansion-card',
        entity_category: 'diagnostic',
        state_topic: t.encoder,
        value_template: field('best'),
        json_attributes_topic: t.encoder,
      },
    },
    state({
      component: 'binary_sensor',
      objectId: 'transcoding',
      config: { name: 'Transcoding', device_class: 'running', value_template: on('transcoding') },
    }),
    state({
      component: 'switch',
      objectId: 'queue_paused',
      config: {
        name: 'Queue paused',
        icon: 'mdi:pause-circle-outline',
        command_topic: t.set('paused'),
        payload_on: 'ON',
        payload_off: 'OFF',
        value_template: on('paused'),
      },
    }),
    state({
      component: 'number',
      objectId: 'workers',
      config: {
        name: 'Workers',
        icon: 'mdi:account-hard-hat',
        entity_category: 'config',
        command_topic: t.set('workers'),
        min: 1,
        max: 6,
        step: 1,
        mode: 'box',
        value_template: field('workers'),
      },
    }),
    button('clear_finished', 'Clear finished jobs', 'mdi:broom', t.request('queue/clear_finished')),
    button('retry_failed', 'Retry failed jobs', 'mdi:restart', t.request('queue/retry_failed')),
    button(
      'reset_session',
      'Reset session stats',
      'mdi:counter',
      t.request('stats/reset_session'),
      {
        entity_category: 'config',
      },
    ),
    {
      component: 'event',
      objectId: 'job',
      config: {
        name: 'Job',
        icon: 'mdi:movie-check-outline',
        state_topic: t.event,
        event_types: [...EVENT_TYPES],
      },
    },
  ];
}

function button(
  objectId: string,
  name: string,
  icon: string,
  commandTopic: string,
  extra: Record<string, unknown> = {},
): EntitySpec {
  // The press goes through the request/response API; the answer lands on the matching response topic.
  return {
    component: 'button',
    objectId,
    config: { name, icon, command_topic: commandTopic, payload_press: '{}', ...extra },
  };
}

/**
 * Home Assistant over MQTT: discovery, retained state, events and the request/response command API.
 * `resolveMqttOptions` finds the broker (settings or the Supervisor); `startMqttBridge` runs it.
 */
export { type MqttBridge, type MqttDeps, startMqttBridge } from './bridge.js';
export { ACTIONS, type CommandResponse } from './commands.js';
export { buildDiscovery, type DiscoveryMessage } from './discovery.js';
export { EVENT_TYPES } from './events.js';
export type { MqttLogger } from './logger.js';
export {
  checkBrokerUrl,
  checkTopicOptions,
  MQTT_DEFAULTS,
  type MqttConnectionSettings,
  type MqttOptions,
  type MqttResolution,
  type MqttResolveInput,
  resolveMqttOptions,
} from './options.js';
export type { EncoderInfo } from './state.js';
export { makeTopics, type Topics } from './topics.js';

/**
 * Pure builders for the retained discovery configs: one device, an `origin`, stable unique_ids
 * (`shrinkray_<instanceId>_<object>`) and the shared availability topic. Single-component discovery under
 * `<prefix>/<component>/<nodeId>/<object>/config`, so our own configs can be found with one wildcard.
 */
import { type Component, entitySpecs } from './entities.js';
import type { Topics } from './topics.js';

export interface DiscoveryContext {
  topics: Topics;
  swVersion: string;
  configurationUrl?: string;
}

export interface DiscoveryMessage {
  component: Component;
  objectId: string;
  uniqueId: string;
  topic: string;
  payload: Record<string, unknown>;
}

export const DEVICE_NAME = 'Shrinkray';
export const DEVICE_MODEL = 'Shrinkray for Home Assistant';
export const SUPPORT_URL = 'https://github.com/gwlsn/shrinkray';

/**
 * Home Assistant accepts only http, https or homeassistant URLs with a host for `configuration_url`
 * (anything else invalidates the whole config), so a bad one is left out instead.
 */
export function isValidConfigurationUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (!['http:', 'https:', 'homeassistant:'].includes(parsed.protocol)) return false;
  // WHATWG URL leaves the host empty for `homeassistant:///x` and puts `//host/...` into the path
  // for non-special schemes, so check for `//<host>` directly.
  return /^[a-z]+:\/\/[^/?#]+/i.test(url);
}

export function deviceBlock(ctx: DiscoveryContext): Record<string, unknown> {
  const device: Record<string, unknown> = {
    identifiers: [ctx.topics.nodeId],
    name: DEVICE_NAME,
    manufacturer: 'Shrinkray',
    model: DEVICE_MODEL,
    sw_version: ctx.swVersion,
  };
  if (ctx.configurationUrl !== undefined && isValidConfigurationUrl(ctx.configurationUrl)) {
    device.configuration_url = ctx.configurationUrl;
  }
  return device;
}

export function originBlock(ctx: DiscoveryContext): Record<string, unknown> {
  return { name: DEVICE_NAME, sw_version: ctx.swVersion, support_url: SUPPORT_URL };
}

export function uniqueId(topics: Topics, objectId: string): string {
  return `${topics.nodeId}_${objectId}`;
}

/** Every discovery config we publish, in a stable order. */
export function buildDiscovery(ctx: DiscoveryContext): DiscoveryMessage[] {
  const device = deviceBlock(ctx);
  const origin = originBlock(ctx);
  return entitySpecs(ctx.topics).map((spec) => {
    const id = uniqueId(ctx.topics, spec.objectId);
    return {
      component: spec.component,
      objectId: spec.objectId,
      uniqueId: id,
      topic: ctx.topics.discovery(spec.component, spec.objectId),
      payload: {
        ...spec.config,
        unique_id: id,
        default_entity_id: `${spec.component}.shrinkray_${spec.objectId}`,
        availability_topic: ctx.topics.status,
        device,
        origin,
      },
    };
  });
}

/**
 * Is this retained message one of our discovery configs that we no longer publish? Such configs get an
 * empty retained payload, which removes the entity from Home Assistant.
 */
export function isStaleConfig(
  topic: string,
  payload: Buffer | string,
  retained: boolean,
  current: ReadonlySet<string>,
): boolean {
  return retained && payload.length > 0 && !current.has(topic);
}

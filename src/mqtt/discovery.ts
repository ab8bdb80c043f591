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

export interface CleanupContext {
  topics: Topics;
  /** The discovery topics we publish now. */
  current: ReadonlySet<string>;
  /** Node ids (`shrinkray_<id>`) this data folder used before. */
  previousNodeIds: ReadonlySet<string>;
}

const NODE_PREFIX = 'shrinkray_';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `<prefix>/<component>/<node>/<object>/config` → node, or undefined for any other shape. */
function nodeOf(topic: string, prefix: string): string | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const parts = topic.slice(prefix.length + 1).split('/');
  return parts.length === 4 && parts[3] === 'config' ? parts[1] : undefined;
}

/**
 * Why a retained discovery config seen at connect must be removed, or null to leave it alone.
 * - Our node, a topic we no longer publish: an entity that went away.
 * - Another Shrinkray node (our origin name, its node id in `device.identifiers`) that this data folder
 *   used before (the id is recorded in our store): our old device, e.g. before the add-on's identity was
 *   derived from the Supervisor.
 * - Another Shrinkray node whose availability topic is our `<base>/status`: a device of this installation
 *   from a data folder that is gone (a reinstall, a deleted data folder). Two running instances on one
 *   broker must use different base topics (they would otherwise share state and both run every command),
 *   so a config on our base topic with another id is never a live instance's.
 * Everything else, other Shrinkray instances (another base topic) included, is left alone.
 */
export function staleConfigReason(
  topic: string,
  payload: Buffer | string,
  retained: boolean,
  ctx: CleanupContext,
): string | null {
  if (!retained || payload.length === 0) return null;
  const node = nodeOf(topic, ctx.topics.prefix);
  if (node === undefined) return null;
  if (node === ctx.topics.nodeId) return ctx.current.has(topic) ? null : 'an entity we no longer publish';
  if (!node.startsWith(NODE_PREFIX)) return null;
  let config: unknown;
  try {
    config = JSON.parse(payload.toString());
  } catch {
    return null;
  }
  if (!isRecord(config) || !isRecord(config.origin) || config.origin.name !== DEVICE_NAME) return null;
  const identifiers = isRecord(config.device) ? config.device.identifiers : undefined;
  if (!Array.isArray(identifiers) || !identifiers.includes(node)) return null;
  if (ctx.previousNodeIds.has(node)) return 'a device this data folder used before';
  if (config.availability_topic === ctx.topics.status) return 'an earlier device on our base topic';
  return null;
}

/** Every topic the bridge uses, derived once from the options. */

export interface Topics {
  base: string;
  prefix: string;
  /** Discovery node id: `shrinkray_<instanceId>` with only `[A-Za-z0-9_-]`. */
  nodeId: string;
  /** Retained `online` / `offline`, also the last will. */
  status: string;
  /** Retained JSON: queue counts, paused, workers, space saved. */
  state: string;
  /** Retained JSON: the current (first running) job, or idle. */
  current: string;
  /** Retained JSON: the detected encoders. */
  encoder: string;
  /** Not retained: `{event_type, ...}` for the event entity. */
  event: string;
  /** `<base>/request/` — requests arrive on `<base>/request/<action>`. */
  requestPrefix: string;
  /** `<base>/set/` — plain entity commands (`set/paused` ON|OFF, `set/workers` n). */
  setPrefix: string;
  /** Home Assistant's birth / last-will topic. */
  haStatus: string;
  /** Every single-component discovery config, subscribed briefly at connect to remove stale ones. */
  discoveryScan: string;
  /** Not retained: a marker we send ourselves to know the retained configs have all arrived. */
  sync: string;
  response(action: string): string;
  request(action: string): string;
  set(name: string): string;
  discovery(component: string, objectId: string): string;
}

/** Only the characters Home Assistant accepts in discovery node/object ids. */
export function topicId(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

export function makeTopics(baseTopic: string, discoveryPrefix: string, instanceId: string): Topics {
  const base = baseTopic;
  const prefix = discoveryPrefix;
  const nodeId = topicId(`shrinkray_${instanceId}`);
  return {
    base,
    prefix,
    nodeId,
    status: `${base}/status`,
    state: `${base}/state`,
    current: `${base}/job/current`,
    encoder: `${base}/encoder`,
    event: `${base}/event`,
    requestPrefix: `${base}/request/`,
    setPrefix: `${base}/set/`,
    haStatus: `${prefix}/status`,
    discoveryScan: `${prefix}/+/+/+/config`,
    sync: `${base}/sync`,
    response: (action) => `${base}/response/${action}`,
    request: (action) => `${base}/request/${action}`,
    set: (name) => `${base}/set/${name}`,
    discovery: (component, objectId) =>
      `${prefix}/${component}/${nodeId}/${topicId(objectId)}/config`,
  };
}

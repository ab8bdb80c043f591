/**
 * The automation blueprints in blueprints/: each loads as Home Assistant loads it (`!input` tags), has the
 * structure HA's blueprint schema requires (homeassistant/components/blueprint/schemas.py and the selector
 * schemas), references only declared inputs, and talks to Shrinkray only through what the service really
 * publishes: the discovery payloads built by src/mqtt (entity ids, command topics), the request topics of
 * the command API, the event entity's event types and attributes, and the preset ids.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse, type ScalarTag } from 'yaml';
import { PRESETS } from '../../../src/ffmpeg/presets.js';
import type { Job } from '../../../src/jobs/types.js';
import { ACTIONS } from '../../../src/mqtt/commands.js';
import { buildDiscovery } from '../../../src/mqtt/discovery.js';
import { EVENT_TYPES, jobEventPayload } from '../../../src/mqtt/events.js';
import { makeTopics } from '../../../src/mqtt/topics.js';

const ROOT = process.cwd();
const DIR = join(ROOT, 'blueprints/automation/shrinkray');

/** What `!input name` becomes after loading: a reference to resolve against the declared inputs. */
class InputRef {
  constructor(readonly name: string) {}
}
const inputTag: ScalarTag = { tag: '!input', resolve: (value: string) => new InputRef(value) as unknown as string };
const load = (text: string): Record<string, unknown> => parse(text, { customTags: [inputTag] }) as Record<string, unknown>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof InputRef);

/** Everything Shrinkray publishes or listens to with the default base topic and discovery prefix. */
function published() {
  const topics = makeTopics('shrinkray', 'homeassistant', 'test');
  const discovery = buildDiscovery({ topics, swVersion: 'test' });
  const entities = new Map(discovery.map((d) => [String(d.payload.default_entity_id), d.component]));
  const commandTopics = new Set(discovery.map((d) => d.payload.command_topic).filter((t): t is string => typeof t === 'string'));
  for (const action of Object.keys(ACTIONS)) commandTopics.add(topics.request(action));
  const stateTopics = new Set<string>([topics.status, topics.event, ...Object.keys(ACTIONS).map((a) => topics.response(a))]);
  for (const d of discovery) for (const key of ['state_topic', 'json_attributes_topic']) if (typeof d.payload[key] === 'string') stateTopics.add(d.payload[key] as string);
  const job: Job = {
    id: 'j-1', input_path: '/media/Movie.avi', preset_id: 'compress-hevc', encoder: 'none', is_hardware: false, status: 'failed',
    progress: 0, speed: 0, eta: '', error: 'ffmpeg failed', input_size: 1, created_at: '2026-01-01T00:00:00Z', started_at: null, completed_at: null,
  };
  const eventAttributes = new Set(Object.keys(jobEventPayload('job_failed', job)));
  return { entities, commandTopics, stateTopics, eventAttributes };
}

// --- a small model of HA's schemas for the parts the blueprints use -------------------------------
const SELECTORS: Record<string, (config: Obj) => string[]> = {
  boolean: (c) => keysIn(c, []),
  text: (c) => keysIn(c, ['multiline', 'type', 'prefix', 'suffix', 'autocomplete', 'multiple']),
  template: (c) => keysIn(c, []),
  number: (c) => [
    ...keysIn(c, ['min', 'max', 'step', 'mode', 'unit_of_measurement', 'translation_key']),
    ...(c.mode === 'slider' && (c.min === undefined || c.max === undefined) ? ['number slider needs min and max'] : []),
    ...(c.mode !== undefined && !['box', 'slider'].includes(String(c.mode)) ? [`number mode ${String(c.mode)}`] : []),
  ],
  select: (c) => [
    ...keysIn(c, ['options', 'multiple', 'custom_value', 'mode', 'translation_key', 'sort']),
    ...(Array.isArray(c.options) && c.options.length > 0 ? [] : ['select needs options']),
    ...(Array.isArray(c.options) ? c.options.filter((o) => !(typeof o === 'string' || (isObj(o) && typeof o.value === 'string' && typeof o.label === 'string'))).map(() => 'select option must be a string or {label, value}') : []),
  ],
  entity: (c) => [
    ...keysIn(c, ['filter', 'multiple', 'include_entities', 'exclude_entities', 'reorder']),
    ...(c.filter === undefined ? [] : Array.isArray(c.filter) ? c.filter.flatMap((f) => (isObj(f) ? keysIn(f, ['integration', 'domain', 'device_class', 'supported_features']) : ['entity filter must be a mapping'])) : ['entity filter must be a list']),
  ],
};
function keysIn(config: Obj, allowed: string[]): string[] {
  return Object.keys(config).filter((k) => !allowed.includes(k)).map((k) => `unknown selector option ${k}`);
}
const selectorOptions = (select: Obj): string[] => (select.options as unknown[]).map((o) => (typeof o === 'string' ? o : String((o as Obj).value)));

interface Input {
  name: string;
  default?: unknown;
  selector: Obj;
}

/** HA's BLUEPRINT_SCHEMA for the `blueprint:` block (no extra keys), flattening input sections. */
function checkBlueprintBlock(block: unknown, problems: string[]): Map<string, Input> {
  const inputs = new Map<string, Input>();
  const declared = new Set<string>();
  if (!isObj(block)) {
    problems.push('blueprint: must be a mapping');
    return inputs;
  }
  for (const key of Object.keys(block)) if (!['name', 'description', 'domain', 'source_url', 'author', 'homeassistant', 'input', 'discovery'].includes(key)) problems.push(`blueprint.${key} is not allowed`);
  if (typeof block.name !== 'string' || block.name === '') problems.push('blueprint.name is required');
  if (block.domain !== 'automation') problems.push('blueprint.domain must be automation');
  if (typeof block.description !== 'string') problems.push('blueprint.description: say what it does');
  const ha = block.homeassistant;
  if (ha !== undefined && !(isObj(ha) && typeof ha.min_version === 'string' && /^\d+\.\d+\.\d+$/.test(ha.min_version))) problems.push('blueprint.homeassistant.min_version must be X.Y.Z');
  const addInput = (key: string, value: unknown) => {
    if (declared.has(key)) problems.push(`input ${key} declared twice`);
    declared.add(key);
    if (!isObj(value)) return problems.push(`input ${key} must be a mapping`);
    for (const k of Object.keys(value)) if (!['name', 'description', 'default', 'selector'].includes(k)) problems.push(`input ${key}.${k} is not allowed`);
    if (typeof value.name !== 'string') problems.push(`input ${key} needs a name`);
    if (!isObj(value.selector) || Object.keys(value.selector).length !== 1) return problems.push(`input ${key} needs one selector`);
    const [type, config] = Object.entries(value.selector)[0] as [string, unknown];
    const check = SELECTORS[type];
    if (!check) return problems.push(`input ${key}: selector ${type} is not one these blueprints may use`);
    for (const p of check(isObj(config) ? config : {})) problems.push(`input ${key}: ${p}`);
    inputs.set(key, { name: String(value.name), default: value.default, selector: value.selector });
  };
  for (const [key, value] of Object.entries(isObj(block.input) ? block.input : {})) {
    if (isObj(value) && 'input' in value) {
      for (const k of Object.keys(value)) if (!['name', 'icon', 'description', 'collapsed', 'input'].includes(k)) problems.push(`input section ${key}.${k} is not allowed`);
      for (const [inner, innerValue] of Object.entries(isObj(value.input) ? value.input : {})) addInput(inner, innerValue);
    } else addInput(key, value);
  }
  return inputs;
}

/** Every value in the tree with the key path that leads to it. */
function* walk(node: unknown, path: string[] = []): Generator<[string[], unknown]> {
  yield [path, node];
  if (Array.isArray(node)) for (const [i, v] of node.entries()) yield* walk(v, [...path, String(i)]);
  else if (isObj(node)) for (const [k, v] of Object.entries(node)) yield* walk(v, [...path, k]);
}

const TRIGGERS: Record<string, string[]> = { event: ['event_type'], template: ['value_template'], state: ['entity_id'], mqtt: ['topic'], numeric_state: ['entity_id'] };
const ACTION_KEYS = ['action', 'choose', 'if', 'delay', 'wait_for_trigger', 'wait_template', 'variables', 'condition', 'stop', 'repeat', 'sequence', 'parallel', 'event'];

describe('Home Assistant blueprints', () => {
  let files: string[];
  before(async () => {
    files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort();
  });

  it('there are the three the add-on documents', () => {
    assert.deepEqual(files, ['notify_failed_job.yaml', 'pause_when_expensive_or_watching.yaml', 'shrink_new_files.yaml']);
  });

  it('each passes the blueprint schema, declares every input it uses and uses every input it declares', async () => {
    for (const file of files) {
      const doc = load(await readFile(join(DIR, file), 'utf8'));
      const problems: string[] = [];
      const inputs = checkBlueprintBlock(doc.blueprint, problems);
      // the automation around the blueprint block
      for (const key of Object.keys(doc)) if (!['blueprint', 'mode', 'max', 'max_exceeded', 'variables', 'trigger_variables', 'triggers', 'conditions', 'actions', 'description'].includes(key)) problems.push(`top-level ${key} is not an automation key (or is the old singular form)`);
      if (!['single', 'restart', 'queued', 'parallel'].includes(String(doc.mode))) problems.push(`mode ${String(doc.mode)}`);
      if (!Array.isArray(doc.triggers) || doc.triggers.length === 0) problems.push('triggers: at least one');
      for (const t of (doc.triggers as unknown[]) ?? []) {
        if (!isObj(t)) continue;
        const needed = TRIGGERS[String(t.trigger)];
        if (!needed) problems.push(`trigger ${String(t.trigger)} is not one these blueprints may use`);
        else for (const k of needed) if (t[k] === undefined) problems.push(`trigger ${String(t.trigger)} needs ${k}`);
      }
      if (!Array.isArray(doc.actions) || doc.actions.length === 0) problems.push('actions: at least one');
      for (const [path, node] of walk(doc.actions, ['actions'])) {
        const parent = path.at(-2);
        const inList = parent === 'actions' || parent === 'sequence' || parent === 'then' || parent === 'else';
        if (inList && isObj(node) && !ACTION_KEYS.some((k) => k in node)) problems.push(`${path.join('.')}: not an action`);
      }
      // !input references
      const used = new Set<string>();
      for (const [path, node] of walk(doc)) {
        if (!(node instanceof InputRef)) continue;
        used.add(node.name);
        if (!inputs.has(node.name)) problems.push(`${path.join('.')}: !input ${node.name} is not declared`);
      }
      for (const name of inputs.keys()) if (!used.has(name)) problems.push(`input ${name} is declared but never used`);
      // defaults fit their selectors
      for (const [name, input] of inputs) {
        const [type, config] = Object.entries(input.selector)[0] as [string, Obj];
        const d = input.default;
        if (d === undefined) continue;
        if (type === 'boolean' && typeof d !== 'boolean') problems.push(`input ${name}: default must be true or false`);
        if (type === 'number' && (typeof d !== 'number' || (typeof config.min === 'number' && d < config.min) || (typeof config.max === 'number' && d > config.max))) problems.push(`input ${name}: default ${String(d)} outside the number range`);
        if (type === 'select' && !selectorOptions(config).includes(String(d))) problems.push(`input ${name}: default ${String(d)} is not an option`);
        if (type === 'entity' && !(d === '' || (Array.isArray(d) && config.multiple === true) || (typeof d === 'string' && /^[a-z_]+\.[a-z0-9_]+$/.test(d)))) problems.push(`input ${name}: default ${JSON.stringify(d)} is not an entity id`);
      }
      assert.deepEqual(problems, [], file);
    }
  });

  it('they use only entities, topics, event types, attributes and presets the service publishes', async () => {
    const pub = published();
    const SHRINKRAY_ENTITY = /\b(sensor|binary_sensor|switch|number|button|event)\.shrinkray_[a-z0-9_]+\b/g;
    const seen = { entities: new Set<string>(), topics: new Set<string>() };
    for (const file of files) {
      const text = await readFile(join(DIR, file), 'utf8');
      const doc = load(text);
      const problems: string[] = [];
      const inputs = checkBlueprintBlock(doc.blueprint, []);
      // entity ids anywhere (defaults, targets, templates), and entity inputs filtered to MQTT
      for (const match of text.matchAll(SHRINKRAY_ENTITY)) {
        seen.entities.add(match[0]);
        if (!pub.entities.has(match[0])) problems.push(`${match[0]} is not an entity Shrinkray publishes`);
      }
      for (const [name, input] of inputs) {
        const entity = input.selector.entity as Obj | undefined;
        const filters = (entity?.filter as Obj[] | undefined) ?? [];
        if (!filters.some((f) => f.integration === 'mqtt')) continue;
        const domain = filters.find((f) => f.integration === 'mqtt')?.domain;
        if (pub.entities.get(String(input.default)) !== domain) problems.push(`input ${name}: default ${String(input.default)} is not a published ${String(domain)}`);
      }
      // MQTT topics: the base topic is an input; anything else templated would be unverifiable
      const variables = (isObj(doc.variables) ? doc.variables : {}) as Obj;
      const resolve = (topic: string) =>
        topic.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, v: string) => {
          const value = variables[v];
          return value instanceof InputRef && typeof inputs.get(value.name)?.default === 'string' ? String(inputs.get(value.name)?.default) : whole;
        });
      for (const [path, node] of walk(doc)) {
        if (path.at(-1) !== 'topic' || typeof node !== 'string') continue;
        const topic = resolve(node);
        seen.topics.add(topic);
        if (topic.includes('{')) problems.push(`${path.join('.')}: topic ${node} cannot be checked`);
        const isTrigger = path[0] === 'triggers';
        const allowed = isTrigger ? pub.stateTopics : pub.commandTopics;
        if (!allowed.has(topic)) problems.push(`${path.join('.')}: ${topic} is not a topic Shrinkray ${isTrigger ? 'publishes' : 'listens to'}`);
      }
      for (const [path, node] of walk(doc.actions, ['actions'])) {
        if (!isObj(node) || node.action !== 'mqtt.publish') continue;
        const data = node.data as Obj;
        if (data.retain !== false) problems.push(`${path.join('.')}: commands must never be retained (Shrinkray ignores retained commands)`);
      }
      // event types and event attributes from the event entity
      for (const match of text.matchAll(/event_type\s*==\s*'(\w+)'/g)) if (!(EVENT_TYPES as readonly string[]).includes(match[1] ?? '')) problems.push(`event type ${match[1]} is never fired`);
      for (const match of text.matchAll(/attributes\.(\w+)/g)) if (!pub.eventAttributes.has(match[1] ?? '')) problems.push(`attribute ${match[1]} is not on a job event`);
      // presets
      for (const [name, input] of inputs) {
        if (name !== 'preset') continue;
        const options = selectorOptions(input.selector.select as Obj);
        assert.deepEqual([...options].sort(), PRESETS.map((p) => p.id).sort(), `${file}: every preset, and only presets`);
      }
      assert.deepEqual(problems, [], file);
    }
    // the checks above really looked at something
    assert.deepEqual([...seen.entities].sort(), ['event.shrinkray_job', 'switch.shrinkray_queue_paused']);
    assert.deepEqual([...seen.topics].sort(), ['shrinkray/request/job/create']);
  });

  it('the checks catch what they are meant to catch', () => {
    const problems: string[] = [];
    const inputs = checkBlueprintBlock({ name: 'x', description: 'd', domain: 'script', extra: 1, input: { a: { name: 'A', selector: { colour: {} } }, s: { input: { a: { name: 'A again', selector: { text: {} } } } } } }, problems);
    assert.deepEqual(problems, ['blueprint.extra is not allowed', 'blueprint.domain must be automation', 'input a: selector colour is not one these blueprints may use', 'input a declared twice']);
    assert.equal(inputs.size, 1);
    const doc = load('x: !input missing\n');
    assert.ok(doc.x instanceof InputRef);
    assert.equal((doc.x as InputRef).name, 'missing');
    const pub = published();
    assert.ok(!pub.entities.has('switch.shrinkray_paused'));
    assert.ok(pub.commandTopics.has('shrinkray/set/paused') && pub.commandTopics.has('shrinkray/request/queue/pause'));
    assert.ok(!pub.commandTopics.has('shrinkray/request/job/start'));
    assert.ok(pub.eventAttributes.has('error') && !pub.eventAttributes.has('reason'));
  });

  it('each links to its own file in the repository, and DOCS.md offers it for import', async () => {
    const manifest = parse(await readFile(join(ROOT, 'config.yaml'), 'utf8')) as { url: string };
    const docs = await readFile(join(ROOT, 'DOCS.md'), 'utf8');
    for (const file of files) {
      const doc = load(await readFile(join(DIR, file), 'utf8'));
      const sourceUrl = `${manifest.url}/blob/main/${relative(ROOT, join(DIR, file))}`;
      assert.equal((doc.blueprint as Obj).source_url, sourceUrl, file);
      const importLink = `https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url=${encodeURIComponent(sourceUrl)}`;
      assert.ok(docs.includes(importLink), `DOCS.md links ${importLink}`);
    }
  });
});

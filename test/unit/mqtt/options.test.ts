import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkBrokerUrl,
  checkTopicOptions,
  resolveMqttOptions,
} from '../../../src/mqtt/options.js';

/** A stand-in for http://supervisor that answers /services/mqtt with the given status and body. */
async function supervisor(
  status: number,
  body: unknown,
): Promise<{ url: string; server: Server; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    res.writeHead(req.url === '/services/mqtt' ? status : 404, {
      'content-type': 'application/json',
    });
    res.end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

describe('mqtt options', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('is off when nothing is configured', async () => {
    const r = await resolveMqttOptions({});
    assert.equal(r.options, null);
    assert.equal(r.source, 'none');
    assert.match(r.reason ?? '', /off/);
  });

  it('uses an explicit URL with credentials, and refuses a bad one', async () => {
    const r = await resolveMqttOptions({
      url: 'mqtt://broker:1883',
      username: 'u',
      password: 'p',
      supervisorToken: 't',
    });
    assert.deepEqual(r, {
      options: { url: 'mqtt://broker:1883', username: 'u', password: 'p' },
      source: 'settings',
    });
    const empty = await resolveMqttOptions({ url: 'mqtts://b', username: '', password: '' });
    assert.deepEqual(empty.options, { url: 'mqtts://b' });
    assert.match(
      (await resolveMqttOptions({ url: 'http://b' })).reason ?? '',
      /must start with mqtt/,
    );
    assert.match((await resolveMqttOptions({ url: 'not a url' })).reason ?? '', /not a valid URL/);
  });

  it('asks the Supervisor services API with the bearer token', async () => {
    const s = await supervisor(200, {
      result: 'ok',
      data: {
        addon: 'core_mosquitto',
        host: 'core-mosquitto',
        port: 1883,
        ssl: false,
        username: 'addons',
        password: 'secret',
        protocol: '3.1.1',
      },
    });
    servers.push(s.server);
    const r = await resolveMqttOptions({ supervisorUrl: s.url, supervisorToken: 'tok' });
    assert.deepEqual(r, {
      options: { url: 'mqtt://core-mosquitto:1883', username: 'addons', password: 'secret' },
      source: 'supervisor',
    });
    assert.equal(s.seen[0]?.headers.authorization, 'Bearer tok');
  });

  it('builds mqtts:// for ssl and parses a string port', async () => {
    const s = await supervisor(200, { result: 'ok', data: { host: 'h', port: '8884', ssl: true } });
    servers.push(s.server);
    const r = await resolveMqttOptions({ supervisorUrl: `${s.url}/`, supervisorToken: 'tok' });
    assert.deepEqual(r.options, { url: 'mqtts://h:8884' });
  });

  it('is off with a reason when the Supervisor has no MQTT service or cannot be reached', async () => {
    const s = await supervisor(400, { result: 'error', message: 'Service not enabled' });
    servers.push(s.server);
    const r = await resolveMqttOptions({ supervisorUrl: s.url, supervisorToken: 'tok' });
    assert.equal(r.options, null);
    assert.match(r.reason ?? '', /Service not enabled/);
    const noHost = await supervisor(200, { result: 'ok', data: { port: 1883 } });
    servers.push(noHost.server);
    assert.match(
      (await resolveMqttOptions({ supervisorUrl: noHost.url, supervisorToken: 'tok' })).reason ??
        '',
      /no broker host/,
    );
    const down = await resolveMqttOptions({ supervisorToken: 'tok' }, async () => {
      throw new TypeError('fetch failed');
    });
    assert.equal(down.options, null);
    assert.match(down.reason ?? '', /fetch failed/);
  });

  it('checks broker URLs', () => {
    assert.equal(checkBrokerUrl('mqtt://core-mosquitto:1883'), null);
    assert.equal(checkBrokerUrl('wss://broker.example/mqtt'), null);
    assert.match(checkBrokerUrl('mqtt://') ?? '', /no host/);
    assert.match(checkBrokerUrl('http://broker') ?? '', /must start with/);
  });

  it('checks base topic and discovery prefix', () => {
    assert.deepEqual(checkTopicOptions('shrinkray', 'homeassistant'), []);
    assert.deepEqual(checkTopicOptions('home/shrinkray', 'ha'), []);
    assert.equal(checkTopicOptions('', 'homeassistant').length, 1);
    assert.match(checkTopicOptions('a/#', 'homeassistant')[0] ?? '', /must not contain/);
    assert.match(checkTopicOptions('shrinkray', 'ha/')[0] ?? '', /start or end/);
  });
});

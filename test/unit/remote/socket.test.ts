import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { sendWithoutDelay } from '../../../src/remote/socket.js';

describe('remote MQTT connections send without delay (TCP_NODELAY)', () => {
  it('switches Nagle off on every stream the client connects with (a reconnect brings a new one)', () => {
    const calls: Array<[string, boolean]> = [];
    const client = new EventEmitter() as EventEmitter & { stream?: unknown };
    sendWithoutDelay(client as unknown as MqttClient);
    client.stream = { setNoDelay: (on: boolean) => calls.push(['first', on]) };
    client.emit('connect');
    client.stream = { setNoDelay: (on: boolean) => calls.push(['second', on]) };
    client.emit('connect');
    // A WebSocket stream has no setNoDelay: nothing to do, nothing thrown.
    client.stream = {};
    client.emit('connect');
    assert.deepEqual(calls, [
      ['first', true],
      ['second', true],
    ]);
  });

});

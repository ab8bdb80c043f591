import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isConfigured, PushoverClient, PushoverError, sendPushover } from '../../../src/notify/pushover.js';
import { PushoverStandIn } from '../../integration/notify/pushover-stand-in.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Pushover client (upstream §8)', () => {
  let standIn: PushoverStandIn;
  let url: string;
  const msg = { title: 'Shrinkray', message: 'two\nlines & symbols ü' };

  beforeEach(async () => {
    standIn = new PushoverStandIn();
    url = await standIn.start();
  });
  afterEach(() => standIn.close());

  it('POSTs token, user, title and message as a form', async () => {
    await sendPushover({ url, user: 'ukey', token: 'atoken' }, msg);
    assert.equal(standIn.received.length, 1);
    const got = standIn.received[0];
    assert.equal(got?.method, 'POST');
    assert.equal(got?.path, '/1/messages.json');
    assert.match(got?.contentType ?? '', /^application\/x-www-form-urlencoded/);
    assert.deepEqual(got?.form, { token: 'atoken', user: 'ukey', title: 'Shrinkray', message: 'two\nlines & symbols ü' });
  });

  it("joins Pushover's errors array", async () => {
    standIn.answer = { status: 400, body: '{"user":"invalid","errors":["user identifier is invalid","application token is invalid"],"status":0}' };
    await assert.rejects(sendPushover({ url, user: 'u', token: 't' }, msg), (error: unknown) => {
      assert.ok(error instanceof PushoverError);
      assert.equal(error.message, 'pushover error: user identifier is invalid, application token is invalid');
      return true;
    });
  });

  it('names the status when the body has no errors', async () => {
    for (const body of ['', '<html>bad gateway</html>', '{"status":0}', '{"errors":[]}']) {
      standIn.answer = { status: 502, body };
      await assert.rejects(sendPushover({ url, user: 'u', token: 't' }, msg), { message: 'pushover returned status 502' });
    }
  });

  it('a refused connection and a hung endpoint are send failures', async () => {
    const port = await closedPort();
    await assert.rejects(sendPushover({ url: `http://127.0.0.1:${port}/1/messages.json`, user: 'u', token: 't' }, msg), (error: unknown) => {
      assert.match((error as Error).message, /^failed to send notification: .*ECONNREFUSED/);
      return true;
    });
    standIn.hang = true;
    await assert.rejects(sendPushover({ url, user: 'u', token: 't' }, msg, { timeoutMs: 200 }), {
      message: 'failed to send notification: no answer in time',
    });
  });

  it('is configured only with both keys, read at each call', async () => {
    assert.equal(isConfigured({ user: 'u', token: '' }), false);
    assert.equal(isConfigured({ user: '', token: 't' }), false);
    const config = { url, user: '', token: 't' };
    const client = new PushoverClient(() => config);
    assert.equal(client.configured(), false);
    config.user = 'u';
    assert.equal(client.configured(), true);
    await client.send(msg);
    assert.equal(standIn.received[0]?.form.user, 'u');
  });
});

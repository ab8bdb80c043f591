import assert from 'node:assert/strict';
import { derivedInstanceId, type IdentityStore, resolveIdentity, type SupervisorAccess } from '../../../src/mqtt/identity.js';

class MemoryStore implements IdentityStore {
  readonly meta = new Map<string, unknown>();
  writes = 0;
  async getMeta<T>(name: string): Promise<T | undefined> {
    return this.meta.get(name) as T | undefined;
  }
  setMeta(name: string, value: unknown): void {
    this.writes += 1;
    this.meta.set(name, value);
  }
}

/** A Supervisor answering `/info` and `/addons/self/info` with the given data (undefined → 404). */
function supervisor(info?: Record<string, unknown>, self?: Record<string, unknown>): SupervisorAccess & { calls: string[] } {
  const calls: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const path = new URL(String(input)).pathname;
    calls.push(path);
    const data = path === '/info' ? info : path === '/addons/self/info' ? self : undefined;
    if (data === undefined) return new Response('{"result":"error"}', { status: 404 });
    return new Response(JSON.stringify({ result: 'ok', data }), { status: 200 });
  }) as typeof fetch;
  return { url: 'http://supervisor', token: 't', fetchImpl, calls };
}

describe('mqtt instance identity', () => {
  it('standalone: a random id, kept in the data folder', async () => {
    const store = new MemoryStore();
    const first = await resolveIdentity(store);
    assert.match(first.instanceId, /^[0-9a-f]{8}$/);
    assert.equal(first.source, 'new');
    const again = await resolveIdentity(store);
    assert.deepEqual([again.instanceId, again.source, again.previousIds], [first.instanceId, 'stored', []]);
    assert.notEqual((await resolveIdentity(new MemoryStore())).instanceId, first.instanceId);
  });

  it('as an add-on: derived from the machine and the slug, so a new data folder gets the same id', async () => {
    const sup = supervisor({ machine_id: 'abc', hostname: 'homeassistant' }, { slug: 'local_shrinkray' });
    const a = await resolveIdentity(new MemoryStore(), sup);
    const b = await resolveIdentity(new MemoryStore(), sup);
    assert.equal(a.instanceId, b.instanceId);
    assert.equal(a.instanceId, derivedInstanceId('abc', 'local_shrinkray'));
    assert.deepEqual([a.source, a.slug], ['supervisor', 'local_shrinkray']);
    assert.deepEqual(sup.calls.sort(), ['/addons/self/info', '/addons/self/info', '/info', '/info']);
    // another machine or another add-on slug (a second copy from another repository) is another device
    assert.notEqual(derivedInstanceId('abd', 'local_shrinkray'), a.instanceId);
    assert.notEqual(derivedInstanceId('abc', 'abcd1234_shrinkray'), a.instanceId);
  });

  it('uses the hostname when the Supervisor has no machine_id', async () => {
    const id = await resolveIdentity(new MemoryStore(), supervisor({ hostname: 'homeassistant' }, { slug: 's' }));
    assert.equal(id.instanceId, derivedInstanceId('homeassistant', 's'));
  });

  it('an add-on upgraded from a random id: the derived id wins and the old one is remembered', async () => {
    const store = new MemoryStore();
    store.meta.set('instance_id', 'deadbeef');
    const id = await resolveIdentity(store, supervisor({ machine_id: 'm' }, { slug: 's' }));
    assert.equal(id.instanceId, derivedInstanceId('m', 's'));
    assert.deepEqual(id.previousIds, ['deadbeef']);
    assert.equal(store.meta.get('instance_id'), id.instanceId);
    assert.deepEqual(store.meta.get('previous_instance_ids'), ['deadbeef']);
    const writes = store.writes;
    const again = await resolveIdentity(store, supervisor({ machine_id: 'm' }, { slug: 's' }));
    assert.deepEqual(again.previousIds, ['deadbeef']);
    assert.equal(store.writes, writes, 'nothing to write when nothing changed');
  });

  it('a Supervisor that cannot say keeps the stored id (and still gives the slug it knows)', async () => {
    const store = new MemoryStore();
    store.meta.set('instance_id', 'feedf00d');
    const id = await resolveIdentity(store, supervisor(undefined, { slug: 'local_shrinkray' }));
    assert.deepEqual([id.instanceId, id.source, id.slug, id.previousIds], ['feedf00d', 'stored', 'local_shrinkray', []]);
    const down = { url: 'http://supervisor', token: 't', fetchImpl: (async () => { throw new Error('down'); }) as typeof fetch };
    assert.equal((await resolveIdentity(store, down)).instanceId, 'feedf00d');
  });

  it('keeps at most 10 previous ids, newest first, never the current one', async () => {
    const store = new MemoryStore();
    const current = derivedInstanceId('m', 's');
    store.meta.set('instance_id', 'id-new');
    store.meta.set('previous_instance_ids', [current, ...Array.from({ length: 12 }, (_, i) => `id-${i}`), 7]);
    const id = await resolveIdentity(store, supervisor({ machine_id: 'm' }, { slug: 's' }));
    assert.equal(id.previousIds.length, 10);
    assert.equal(id.previousIds[0], 'id-new');
    assert.ok(!id.previousIds.includes(current));
  });
});

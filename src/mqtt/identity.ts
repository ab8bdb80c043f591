/**
 * Who we are to Home Assistant: the instance id in every unique_id, discovery node id and client id.
 *
 * Standalone, it is a random id kept in the data folder. As an add-on, a reinstall wipes `/data`, so a
 * random id would make a second device with `_2` entities; there the id is derived from what the
 * Supervisor says about the machine (`GET /info`: `machine_id`, else `hostname`) and about us
 * (`GET /addons/self/info`: `slug`), which a reinstall keeps. Every id used before in this data folder
 * is remembered, so the bridge can remove that device's discovery configs.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface IdentityStore {
  getMeta<T>(name: string): Promise<T | undefined>;
  setMeta(name: string, value: unknown): void;
}

export interface SupervisorAccess {
  url: string;
  token: string;
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
}

export interface Identity {
  instanceId: string;
  /** Ids this data folder used before (newest first), never the current one. */
  previousIds: string[];
  source: 'supervisor' | 'stored' | 'new';
  /** The add-on slug, when the Supervisor told it (for the ingress link). */
  slug?: string;
}

const KEEP_PREVIOUS = 10;

/** `GET <supervisor><path>` → its `data` object, or undefined on any problem. Never throws. */
export async function supervisorData(
  s: SupervisorAccess,
  path: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const signal = s.signal
      ? AbortSignal.any([s.signal, AbortSignal.timeout(5000)])
      : AbortSignal.timeout(5000);
    const res = await s.fetchImpl(`${s.url.replace(/\/+$/, '')}${path}`, {
      headers: { Authorization: `Bearer ${s.token}` },
      signal,
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data?: unknown };
    return typeof body?.data === 'object' && body.data !== null
      ? (body.data as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** The id for one add-on on one machine: the same after a reinstall, different on another machine. */
export function derivedInstanceId(machine: string, slug: string): string {
  return createHash('sha256').update(`shrinkray\0${machine}\0${slug}`).digest('hex').slice(0, 8);
}

/** Asks the Supervisor for the machine and our slug; undefined when it cannot say. */
async function fromSupervisor(s: SupervisorAccess): Promise<{ id?: string; slug?: string }> {
  const [info, self] = await Promise.all([supervisorData(s, '/info'), supervisorData(s, '/addons/self/info')]);
  const machine = text(info?.machine_id) ?? text(info?.hostname);
  const slug = text(self?.slug);
  if (slug === undefined) return {};
  return machine === undefined ? { slug } : { id: derivedInstanceId(machine, slug), slug };
}

/**
 * The instance id to use now. With a Supervisor the derived id wins (a stored id that differs, e.g. a
 * random one from an older version, becomes a previous id); when the Supervisor cannot say, the stored
 * id is kept; otherwise a new random one is made. The result is stored.
 */
export async function resolveIdentity(store: IdentityStore, supervisor?: SupervisorAccess): Promise<Identity> {
  const stored = await store.getMeta<string>('instance_id');
  const rawPrevious = await store.getMeta<unknown>('previous_instance_ids');
  let previous = Array.isArray(rawPrevious) ? rawPrevious.filter((id): id is string => typeof id === 'string') : [];
  const asked = supervisor ? await fromSupervisor(supervisor) : {};
  let identity: Identity;
  if (asked.id !== undefined) {
    identity = { instanceId: asked.id, previousIds: [], source: 'supervisor' };
  } else if (typeof stored === 'string' && stored !== '') {
    identity = { instanceId: stored, previousIds: [], source: 'stored' };
  } else {
    identity = { instanceId: randomBytes(4).toString('hex'), previousIds: [], source: 'new' };
  }
  if (asked.slug !== undefined) identity.slug = asked.slug;
  if (typeof stored === 'string' && stored !== '' && stored !== identity.instanceId) previous = [stored, ...previous];
  identity.previousIds = [...new Set(previous)].filter((id) => id !== identity.instanceId).slice(0, KEEP_PREVIOUS);
  if (stored !== identity.instanceId) store.setMeta('instance_id', identity.instanceId);
  if (JSON.stringify(identity.previousIds) !== JSON.stringify(rawPrevious ?? [])) {
    store.setMeta('previous_instance_ids', identity.previousIds);
  }
  return identity;
}

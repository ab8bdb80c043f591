import { hostname } from 'node:os';

/**
 * The host names this service expects to be reached by (D21): this machine's name (and its mDNS
 * `.local` form), the host of `public_url`, and the `allowed_hosts` setting. Read on every request,
 * so a settings change applies at once.
 */
export function knownHostNames(settings: () => { allowed_hosts: readonly string[]; public_url: string }): () => string[] {
  const machine = hostname().toLowerCase();
  const own = machine ? [machine, `${machine.split('.')[0]}.local`] : [];
  return () => {
    const s = settings();
    let publicHost: string[] = [];
    try {
      if (s.public_url) publicHost = [new URL(s.public_url).hostname.toLowerCase()];
    } catch {
      // An unparsable public_url adds nothing.
    }
    return [...own, ...publicHost, ...s.allowed_hosts.map((h) => h.toLowerCase())];
  };
}

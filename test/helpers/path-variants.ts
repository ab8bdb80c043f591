/** The spellings an attacker tries for one path (D21). */
export function variants(path: string): string[] {
  const rest = path.slice('/api'.length);
  const out = new Set<string>([
    path,
    path.toUpperCase(),
    `/API${rest}`,
    `/Api${rest}`,
    `/api${rest.toUpperCase()}`,
    `/${path}`,
    `//${path.slice(1)}`,
    `/api/${rest}`,
    `${path}/`,
    `${path}//`,
    `/api/.${rest}`,
    `/api/x/..${rest}`,
    `/%61pi${rest}`,
    `/%41PI${rest}`,
    `/api%2F${rest.slice(1)}`,
    `/api${rest.replace(/\//g, '%2F')}`,
    `${path}%20`,
    `${path};x=1`,
    `${path}%00`,
    `/./api${rest}`,
    `/api/./${rest.slice(1)}`,
    `${path}?x=/api/health`,
    `/api/health/..${rest}`,
    `/api/health/../..${path}`,
    `/%2e/api${rest}`,
    `/api\\${rest.slice(1)}`,
  ]);
  return [...out];
}


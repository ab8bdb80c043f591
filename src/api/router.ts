import { METHODS } from 'node:http';
import Router from '@koa/router';

/**
 * Every router of the API: case-sensitive and strict, so `/API/jobs`, `/api/jobs/` and `/api//jobs`
 * match no route at all (404) instead of reaching a handler past a guard that spelled the path
 * differently (D21). Knowing every HTTP method makes a method a route lacks a 405 with `Allow`
 * rather than koa-router's plain-text 501.
 */
export function apiRouter(): Router {
  return new Router({ prefix: '/api', sensitive: true, strict: true, methods: [...METHODS] });
}

/** A router for paths outside `/api` (the panel), with the same matching rules. */
export function plainRouter(): Router {
  return new Router({ sensitive: true, strict: true, methods: [...METHODS] });
}

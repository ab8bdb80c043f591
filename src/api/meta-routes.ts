import Router from '@koa/router';
import { PRESETS } from '../ffmpeg/presets.js';
import type { EncoderRegistry } from '../ffmpeg/registry.js';
import type { QueueView } from '../jobs/actions.js';

export function metaRoutes(d: { view: QueueView; encoders: EncoderRegistry; version: string; startedAt: number; now: () => number }): Router {
  const r = new Router({ prefix: '/api' });
  r.get('/health', (ctx) => {
    ctx.body = {
      status: 'ok',
      version: d.version,
      uptime_secs: Math.floor((d.now() - d.startedAt) / 1000),
      paused: d.view.isPaused(),
      workers: d.view.workerCount(),
      running: d.view.running().length,
    };
  });
  r.get('/presets', (ctx) => {
    ctx.body = PRESETS.filter((p) => !p.is_smart_shrink).map((p) => {
      const encoder = d.encoders.best(p.codec);
      return { ...p, name: `${p.name} ${encoder.accel === 'none' ? '[SW]' : '[HW]'}`, encoder: encoder.accel };
    });
  });
  return r;
}

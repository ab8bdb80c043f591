import type Router from '@koa/router';
import type { Detection } from '../ffmpeg/detect.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { PRESETS } from '../ffmpeg/presets.js';
import type { EncoderRegistry } from '../ffmpeg/registry.js';
import type { Accel } from '../jobs/types.js';
import { apiRouter } from './router.js';

/** Upstream's encoder object: `name` is short, `description` says what hardware it needs. */
export interface WireEncoder {
  accel: Accel;
  codec: string;
  name: string;
  description: string;
  encoder: string;
  available: boolean;
}

const HARDWARE: Record<Accel, string> = {
  none: 'CPU encoding',
  nvenc: 'NVIDIA GPU hardware encoding',
  qsv: 'Intel Quick Sync hardware encoding',
  vaapi: 'VA-API hardware encoding (Intel/AMD on Linux)',
  videotoolbox: 'Apple VideoToolbox hardware encoding',
};

export function wireEncoder(e: EncoderInfo, available = true): WireEncoder {
  return {
    accel: e.accel,
    codec: e.codec,
    name: e.description,
    description: `${HARDWARE[e.accel]} (${e.encoder})`,
    encoder: e.encoder,
    available,
  };
}

/** GET /api/encoders (upstream-behaviour §5.4 step 4): the working encoders only; VMAF as proven by a one-frame score. */
export function encodersBody(registry: EncoderRegistry) {
  const vmaf = registry.vmaf();
  return {
    encoders: registry.available().map((e) => wireEncoder(e)),
    best: wireEncoder(registry.best('hevc')),
    vmaf_available: vmaf.available,
    vmaf_models: vmaf.models,
  };
}

/** POST /api/encoders/detect: the same, plus every encoder tried and why it is (not) usable. */
function detectBody(registry: EncoderRegistry, d: Detection) {
  return {
    ...encodersBody(registry),
    vmaf_ffmpeg: registry.vmaf().scorer?.ffmpeg ?? null,
    vmaf_detail: registry.vmaf().detail,
    detected_at: d.detected_at,
    duration_ms: d.duration_ms,
    results: d.results.map((r) => ({ ...wireEncoder(r.info, r.available), detail: r.detail })),
  };
}

export function encoderRoutes(d: { encoders: EncoderRegistry }): Router {
  const r = apiRouter();
  r.get('/encoders', async (ctx) => {
    await d.encoders.ready();
    ctx.body = encodersBody(d.encoders);
  });
  r.post('/encoders/detect', async (ctx) => {
    const detection = await d.encoders.detect();
    ctx.body = detectBody(d.encoders, detection);
  });
  r.get('/presets', async (ctx) => {
    await d.encoders.ready();
    // SmartShrink presets only while VMAF scoring works (§5.3, issue 9).
    const vmaf = d.encoders.vmaf().available;
    ctx.body = PRESETS.filter((p) => !p.is_smart_shrink || vmaf).map((p) => {
      const encoder = d.encoders.best(p.codec);
      return {
        id: p.id,
        name: `${p.name} ${encoder.accel === 'none' ? '[SW]' : '[HW]'}`,
        description: p.description,
        encoder: encoder.accel,
        codec: p.codec,
        max_height: p.max_height,
        is_smart_shrink: p.is_smart_shrink,
      };
    });
  });
  return r;
}

import type Router from '@koa/router';
import type { Context } from 'koa';
import { configView, planUpdate } from '../config/api.js';
import { ConfigError, SETTING_KEYS, type SettingsStore } from '../config/index.js';
import { AppError, badRequest, messageOf } from '../errors.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { encoderSpec } from '../ffmpeg/encoders.js';
import type { Codec } from '../jobs/types.js';
import type { NotifyFlag } from '../notify/flag.js';
import { type PushoverMessage, TEST_MESSAGE } from '../notify/pushover.js';
import { readJson } from './body.js';
import { apiRouter } from './router.js';

export interface ConfigRoutesDeps {
  settings: SettingsStore;
  notifyFlag: NotifyFlag;
  pushover: { configured(): boolean; send(msg: PushoverMessage): Promise<void> };
  encoders: { best(codec: Codec): EncoderInfo };
  version: string;
}

/** 400 with every problem: `error` for clients that read one message, `errors` for the list. */
function refuse(ctx: Context, problems: readonly string[]): void {
  ctx.status = 400;
  ctx.body = { error: `invalid settings: ${problems.join('; ')}`, errors: [...problems] };
}

/** The software default stands in for VideoToolbox, whose "quality" is a bitrate modifier (§5.2). */
function defaultQuality(encoders: ConfigRoutesDeps['encoders'], codec: Codec): number {
  const accel = encoders.best(codec).accel;
  return encoderSpec(accel === 'videotoolbox' ? 'none' : accel, codec).defaultQuality;
}

/** GET/PUT /api/config and POST /api/pushover/test (upstream-behaviour §7.2, §8; D16). */
export function configRoutes(d: ConfigRoutesDeps): Router {
  const r = apiRouter();

  r.get('/config', (ctx) => {
    ctx.body = configView(d.settings.get(), {
      version: d.version,
      notifyOnComplete: d.notifyFlag.get(),
      encoders: { hevc: d.encoders.best('hevc').accel, av1: d.encoders.best('av1').accel },
      defaultQuality: { hevc: defaultQuality(d.encoders, 'hevc'), av1: defaultQuality(d.encoders, 'av1') },
      overridden: SETTING_KEYS.filter((key) => d.settings.isOverridden(key)),
    });
  });

  r.put('/config', async (ctx) => {
    let body: unknown;
    try {
      body = await readJson(ctx);
    } catch (error) {
      if (error instanceof AppError && error.status === 400) return refuse(ctx, ['invalid request body: not valid JSON']);
      throw error;
    }
    const plan = planUpdate(body, d.settings.get(), (key) => d.settings.isOverridden(key));
    const problems = [...plan.problems, ...d.settings.check(plan.patch)];
    if (problems.length > 0) return refuse(ctx, problems);
    if (Object.keys(plan.patch).length > 0) {
      try {
        await d.settings.update(plan.patch);
      } catch (error) {
        // Another PUT may have changed the file between the check and this update.
        if (error instanceof ConfigError) return refuse(ctx, error.problems);
        throw new AppError(500, 'save_failed', 'failed to save config (the service log says why)', { cause: error });
      }
    }
    if (plan.notifyOnComplete !== undefined) d.notifyFlag.set(plan.notifyOnComplete);
    ctx.body = { status: 'updated' };
  });

  r.post('/pushover/test', async (ctx) => {
    if (!d.pushover.configured()) throw badRequest('Pushover credentials not configured');
    try {
      await d.pushover.send(TEST_MESSAGE);
    } catch (error) {
      throw badRequest(messageOf(error), error);
    }
    ctx.body = { status: 'Test notification sent' };
  });

  return r;
}

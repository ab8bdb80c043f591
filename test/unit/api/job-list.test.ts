import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jobRoutes } from '../../../src/api/routes.js';
import { createHttpApp } from '../../../src/api/server.js';
import type { QueueActions, QueueView } from '../../../src/jobs/actions.js';
import type { Job, Stats } from '../../../src/jobs/types.js';
import { createLogger } from '../../../src/log.js';

const stats = { total: 0, pending: 0, running: 0, complete: 0, failed: 0, skipped: 0, cancelled: 0, total_saved: 0, session_saved: 0 } as unknown as Stats;
const job = (i: number) => ({ id: `1700000000000-${i}`, input_path: `/media/Ünïcode "quoted" ${i}.mkv`, status: 'complete', progress: 100 }) as unknown as Job;

/** GET /api/jobs over a real socket: large lists are sent in pieces, byte for byte the same JSON. */
describe('GET /api/jobs: the full list', () => {
  let server: Server;
  let url: string;
  let list: Job[] = [];
  let snapshots = 0;

  before(async () => {
    const view = {
      jobs: () => {
        snapshots += 1;
        return list.map((j) => ({ ...j }));
      },
      stats: () => ({ ...stats, total: list.length }),
    } as unknown as QueueView;
    const app = createHttpApp({ log: createLogger('error'), global: [], guards: [], open: [], guarded: [jobRoutes({ view, actions: {} as QueueActions, sse: { keepaliveMs: 15_000, maxBufferedBytes: 1 << 20 }, streamAbove: 10 })] });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/jobs`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const n of [0, 1, 10, 11, 500, 501, 1001]) {
    it(`${n} jobs: the same JSON as one string would be; one snapshot`, async () => {
      list = Array.from({ length: n }, (_, i) => job(i));
      snapshots = 0;
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const text = await response.text();
      assert.equal(text, JSON.stringify({ jobs: list, stats: { ...stats, total: n } }));
      assert.equal(snapshots, 1);
      // Small lists keep their Content-Length; large ones are chunked.
      if (n <= 10) assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)));
      else assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    });
  }
});

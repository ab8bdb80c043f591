/**
 * A TCP pass-through in front of a local port that a test can shut and open. Tests that restart a
 * broker use it to decide who gets back first: with the gate shut, the program under test cannot
 * reconnect until the test's own observer has subscribed, so a non-retained message the program
 * sends on reconnect cannot race past the observer.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpGate {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** New connections are passed through to the target again. */
  open(): void;
  /** New connections are closed at once, and the ones passed through are cut. */
  shut(): void;
  /** How many connections were accepted and passed through so far. */
  passed(): number;
  close(): Promise<void>;
}

export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  let isOpen = true;
  let passed = 0;
  const live = new Set<Socket>();
  const track = (socket: Socket): void => {
    live.add(socket);
    socket.on('close', () => live.delete(socket));
  };
  const server = createServer((downstream) => {
    downstream.on('error', () => undefined);
    if (!isOpen) {
      downstream.destroy();
      return;
    }
    passed += 1;
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    upstream.on('error', () => undefined);
    track(downstream);
    track(upstream);
    downstream.setNoDelay(true);
    upstream.setNoDelay(true);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    // Either side going away ends the other at once, as a dropped broker connection would.
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the gate has no port');
  const cutAll = (): void => {
    for (const socket of live) socket.destroy();
  };
  return {
    port: address.port,
    url: `mqtt://127.0.0.1:${address.port}`,
    open: () => {
      isOpen = true;
    },
    shut: () => {
      isOpen = false;
      cutAll();
    },
    passed: () => passed,
    close: () =>
      new Promise<void>((resolve) => {
        isOpen = false;
        cutAll();
        server.close(() => resolve());
      }),
  };
}

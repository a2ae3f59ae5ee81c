/**
 * Peer: Hocuspocus (`@hocuspocus/server`) with its defaults and no extensions: documents live in
 * memory only (no onStoreDocument / database extension, so nothing is persisted), no
 * onAuthenticate hook (every connection is accepted). Its default `flushDelay: 0` coalesces
 * broadcasts within one event-loop turn; it adds no timer delay.
 * 4.x declares engines node >= 22; on Node 20 it installs with an EBADENGINE warning and runs.
 */
import { Server } from '@hocuspocus/server';
import { announce, exitWhenTold, run } from './common';

run(async () => {
  const server = new Server({
    port: 0,
    address: '127.0.0.1',
    quiet: true,
    stopOnSignals: false,
  });
  await server.listen();
  exitWhenTold(() => server.destroy());
  announce(server.address.port);
});

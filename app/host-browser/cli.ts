/**
 * `npm run start:browser [-- --port 4180 --server URL --profile DIR --static DIR]`
 * Starts the desktop core and serves the UI at the printed URL (with its token).
 */
import { startDesk } from '../core';
import { runBrowserHost } from './browser-host.runner';

try {
  const running = await runBrowserHost(startDesk);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing the browser host and the core…`);
    // Exit explicitly once closed: a sync loop or socket must not keep a stopped host alive.
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

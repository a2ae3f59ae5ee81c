/**
 * Durable peer: Hocuspocus (`@hocuspocus/server`) with its stock SQLite extension
 * (`@hocuspocus/extension-sqlite`, better-sqlite3) on a file in `--data`. Stock behaviour: a
 * document is loaded from SQLite on first use, and its whole state is upserted in one row by
 * `onStoreDocument`, debounced (server default `debounce` 2 s, `maxDebounce` 10 s) — updates are
 * broadcast at once and stored later, not appended one by one before broadcast as fleetdesk does.
 * No onAuthenticate hook (every connection is accepted).
 *
 *   node --import tsx bench/fanout/servers/hocuspocus-sqlite.ts --data <dir>
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SQLite } from '@hocuspocus/extension-sqlite';
import { Server } from '@hocuspocus/server';
import { announce, exitWhenTold, run } from './common';

run(async () => {
  const { values } = parseArgs({ options: { data: { type: 'string' } } });
  if (values.data === undefined) throw new Error('--data <dir> is required');
  const server = new Server({
    port: 0,
    address: '127.0.0.1',
    quiet: true,
    stopOnSignals: false,
    extensions: [new SQLite({ database: join(values.data, 'hocuspocus.sqlite') })],
  });
  await server.listen();
  exitWhenTold(() => server.destroy());
  announce(server.address.port);
});

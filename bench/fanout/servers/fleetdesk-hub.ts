/**
 * Ablation of our own server, to attribute its per-update cost: the same Yjs hub the real server
 * mounts (`createYjsHub`: token auth, role check, rate limit, validation, group-committed store
 * append before broadcast), with the same limits and metrics registry, but with one part switched:
 *   --store memory         MemoryDocStore instead of SQLite (no disk write per update)
 *   --compact-after <n>    compaction threshold (default 500 as in production; 0 = never)
 * It is not the product: the real server is measured through its CLI (see run.ts).
 *
 *   node --import tsx bench/fanout/servers/fleetdesk-hub.ts --data <dir> [--store sqlite|memory]
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { loadOrCreateSecret, verifyToken } from '../../../sync-server/auth';
import { createLogger } from '../../../sync-server/observability';
import { DEFAULT_CONFIG } from '../../../sync-server/server/server-config';
import { openServerDatabase } from '../../../sync-server/storage';
import { createYjsHub, MemoryDocStore, SqliteDocStore } from '../../../sync-server/yjs';
import { announce, exitWhenTold, listenLocal, run } from './common';

run(async () => {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      'compact-after': { type: 'string', default: '500' },
    },
  });
  const dataDir = values.data;
  if (dataDir === undefined) throw new Error('--data <dir> is required');
  if (values.store !== 'sqlite' && values.store !== 'memory')
    throw new Error('--store must be sqlite or memory');
  const compactAfter = Number(values['compact-after']);
  if (!Number.isSafeInteger(compactAfter) || compactAfter < 0)
    throw new Error('--compact-after must be an integer >= 0');

  const secret = loadOrCreateSecret(dataDir);
  const db =
    values.store === 'sqlite'
      ? openServerDatabase(join(dataDir, 'fleetdesk.sqlite'), { synchronous: DEFAULT_CONFIG.fsync })
      : null;
  const registry = new Registry();
  const hub = createYjsHub({
    store: db === null ? new MemoryDocStore() : new SqliteDocStore(db),
    authenticate: (token) => verifyToken(secret, token, Date.now()),
    allowedOrigins: DEFAULT_CONFIG.allowedOrigins,
    maxMessageBytes: DEFAULT_CONFIG.maxMessageBytes,
    rateLimit: {
      messagesPerSecond: DEFAULT_CONFIG.yjsMessagesPerSecond,
      burst: DEFAULT_CONFIG.yjsMessagesPerSecond * 2,
    },
    now: () => Date.now(),
    log: createLogger('warn'),
    metrics: registry,
    compactAfter: compactAfter === 0 ? Number.MAX_SAFE_INTEGER : compactAfter,
  });
  const http = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname.startsWith('/yjs/'))
      hub.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  const port = await listenLocal(http);
  exitWhenTold(async () => {
    await hub.close(1001);
    await new Promise<void>((resolve) => {
      http.close(() => {
        resolve();
      });
      http.closeAllConnections();
    });
    db?.close();
  });
  announce(port);
});

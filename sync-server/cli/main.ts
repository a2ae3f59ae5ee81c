/**
 * Sync-server command line:
 *   npm run sync-server -- serve [flags]
 *   npm run sync-server -- token --data <dir> --user <id> --role <agent|fleet-manager|supervisor> [--ttl 8h]
 *   npm run sync-server -- token --storage postgres://… --user <id> --role <role>   (scale-out)
 *   npm run sync-server -- rotate-key --storage postgres://… [--retire-old]           (scale-out)
 *   npm run sync-server -- revoke|access (--data <dir> | --storage postgres://… [--redis redis://…])
 * Every flag has an environment variable (flag wins). `--help` prints them all.
 */
import { mkdirSync } from 'node:fs';
import type { AccessStore } from '../access';
import { runAccessCommand, withEmbeddedAccess } from './access-commands';
import { parseArgs } from 'node:util';
import { isRole } from '../../domain/protocol';
import { loadOrCreateSecret, parseDuration, signToken } from '../auth';
import {
  checkRedisUrl,
  checkStorageUrl,
  mintScaleOutToken,
  rotateKey,
  scaleOutFrom,
  schemaFrom,
  withScaleOutAccess,
} from './scale-out-commands';
import {
  DEFAULT_CONFIG,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_FEED_RETENTION,
  DEFAULT_AUDIT_RETENTION,
  startSyncServer,
  type ServerConfig,
} from '../server';

const FLAGS = {
  host: {
    type: 'string',
    env: 'FLEETDESK_HOST',
    help: `interface to listen on (default ${DEFAULT_CONFIG.host})`,
  },
  port: {
    type: 'string',
    env: 'FLEETDESK_PORT',
    help: `TCP port, 0 = any free port (default ${DEFAULT_CONFIG.port})`,
  },
  data: {
    type: 'string',
    env: 'FLEETDESK_DATA',
    help: `data directory: SQLite file and token secret (default ${DEFAULT_CONFIG.dataDir})`,
  },
  'no-seed': {
    type: 'boolean',
    env: 'FLEETDESK_NO_SEED',
    help: 'do not seed the demo dataset into an empty data dir',
  },
  customers: {
    type: 'string',
    env: 'FLEETDESK_SEED_CUSTOMERS',
    help: `customers in the demo dataset (default ${DEFAULT_CONFIG.seedCustomers})`,
  },
  deliveries: {
    type: 'string',
    env: 'FLEETDESK_SEED_DELIVERIES',
    help: `deliveries in the demo dataset (default ${DEFAULT_CONFIG.seedDeliveries})`,
  },
  drones: {
    type: 'string',
    env: 'FLEETDESK_DRONES',
    help: `drones in the demo dataset (default ${DEFAULT_CONFIG.drones}; used when seeding)`,
  },
  hz: {
    type: 'string',
    env: 'FLEETDESK_HZ',
    help: `telemetry frames per second (default ${DEFAULT_CONFIG.hz})`,
  },
  'no-simulate': {
    type: 'boolean',
    env: 'FLEETDESK_NO_SIMULATE',
    help: 'do not run the drone simulator',
  },
  'allowed-origins': {
    type: 'string',
    env: 'FLEETDESK_ALLOWED_ORIGINS',
    help: 'comma-separated browser Origins allowed (default: any)',
  },
  'log-level': {
    type: 'string',
    env: 'FLEETDESK_LOG_LEVEL',
    help: `pino level (default ${DEFAULT_CONFIG.logLevel})`,
  },
  fsync: {
    type: 'string',
    env: 'FLEETDESK_FSYNC',
    help: 'normal (survives process kill; default) or full (also power loss)',
  },
  'gateway-latency': {
    type: 'string',
    env: 'FLEETDESK_GATEWAY_LATENCY_MS',
    help: 'sandbox gateway latency range "min-max" ms (default 40-160)',
  },
  'payment-sweep-ms': {
    type: 'string',
    env: 'FLEETDESK_PAYMENT_SWEEP_MS',
    help: 'retry interval for unfinished payment changes (default 1000)',
  },
  'breaker-half-open-ms': {
    type: 'string',
    env: 'FLEETDESK_BREAKER_HALF_OPEN_MS',
    help: 'ms the open gateway circuit breaker waits before its half-open trial call (default 5000)',
  },
  'gateway-probe-interval': {
    type: 'string',
    env: 'FLEETDESK_GATEWAY_PROBE_INTERVAL',
    help: 'between card-gateway health probes for the region status, e.g. 15s, 200ms; 0 = off (default 15s)',
  },
  'checkpoint-interval': {
    type: 'string',
    env: 'FLEETDESK_CHECKPOINT_INTERVAL',
    help: 'between SQLite WAL checkpoints on the checkpoint thread, e.g. 10s, 2s (default 10s, min 100ms)',
  },
  'feed-retention': {
    type: 'string',
    env: 'FLEETDESK_FEED_RETENTION',
    help: 'keep change-feed entries at least this long, e.g. 7d, 36h; "off" keeps all (default 7d)',
  },
  'feed-keep-newest': {
    type: 'string',
    env: 'FLEETDESK_FEED_KEEP_NEWEST',
    help: `never prune the newest N feed entries (default ${DEFAULT_FEED_RETENTION.keepNewest}, min 1)`,
  },
  'feed-prune-interval': {
    type: 'string',
    env: 'FLEETDESK_FEED_PRUNE_INTERVAL',
    help: 'pause between feed prune passes, e.g. 5m, 30s, 500ms (default 5m)',
  },
  'audit-retention': {
    type: 'string',
    env: 'FLEETDESK_AUDIT_RETENTION',
    help: 'keep audit-trail lines this long, e.g. 400d, 90d; "off" keeps all (default 400d)',
  },
  'audit-prune-interval': {
    type: 'string',
    env: 'FLEETDESK_AUDIT_PRUNE_INTERVAL',
    help: 'pause between audit prune passes, e.g. 1h, 10m, 500ms (default 1h)',
  },
  'feed-prune-batch': {
    type: 'string',
    env: 'FLEETDESK_FEED_PRUNE_BATCH',
    help: `feed entries deleted per write transaction (default ${DEFAULT_FEED_RETENTION.batchSize})`,
  },
  storage: {
    type: 'string',
    env: 'FLEETDESK_STORAGE',
    help: 'scale-out: PostgreSQL URL (postgres://…) holding all durable state; needs --redis. Default: embedded SQLite in --data',
  },
  redis: {
    type: 'string',
    env: 'FLEETDESK_REDIS',
    help: 'scale-out: Redis URL (redis://…) for fan-out between instances; needs --storage',
  },
  'pg-schema': {
    type: 'string',
    env: 'FLEETDESK_PG_SCHEMA',
    help: 'scale-out: PostgreSQL schema of the tables (default fleetdesk)',
  },
  'redis-prefix': {
    type: 'string',
    env: 'FLEETDESK_REDIS_PREFIX',
    help: 'scale-out: prefix of the Redis channels; instances of one deployment share it (default fleetdesk:)',
  },
  'lease-ttl': {
    type: 'string',
    env: 'FLEETDESK_LEASE_TTL',
    help: 'scale-out: a background job moves this long after its instance died, e.g. 6s (default 6s, min 300ms)',
  },
  'retire-old': {
    type: 'boolean',
    env: '',
    help: 'rotate-key: stop accepting tokens signed with the older keys',
  },
  user: { type: 'string', env: 'FLEETDESK_TOKEN_USER', help: 'token, revoke: user id' },
  desk: { type: 'string', env: '', help: 'revoke: desk id (shown by `access`)' },
  reason: { type: 'string', env: '', help: 'revoke: why (shown on the desk)' },
  'access-ttl': {
    type: 'string',
    env: 'FLEETDESK_ACCESS_TTL',
    help: "lifetime of a desk's access token (default 5m; a revoked user's sockets last at most this)",
  },
  role: {
    type: 'string',
    env: 'FLEETDESK_TOKEN_ROLE',
    help: 'token: agent | fleet-manager | supervisor',
  },
  ttl: {
    type: 'string',
    env: 'FLEETDESK_TOKEN_TTL',
    help: 'token: lifetime, e.g. 30m, 8h, 7d (default 8h)',
  },
  help: { type: 'boolean', env: '', help: 'print this help' },
} as const;

type FlagName = keyof typeof FLAGS;

function usage(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, f]) => `  --${name.padEnd(22)} ${f.env ? `[${f.env}] ` : ''}${f.help}`,
  );
  return [
    'Usage:',
    '  npm run sync-server -- serve [flags]',
    '  npm run sync-server -- token --data <dir> --user <id> --role <role> [--ttl 8h]',
    '  npm run sync-server -- token --storage postgres://… --user <id> --role <role> [--ttl 8h]',
    '  npm run sync-server -- rotate-key --storage postgres://… [--retire-old]',
    '  npm run sync-server -- revoke --data <dir> (--user <id> | --desk <id>) [--reason text]',
    '  npm run sync-server -- access --data <dir>   (revocations, desks, reported losses)',
    '    (scale-out: --storage postgres://… instead of --data; with --redis, instances close the sockets at once)',
    '',
    'Flags [environment variable]:',
    ...lines,
  ].join('\n');
}

function readFlags(argv: string[]): {
  command: string | undefined;
  get: (name: FlagName) => string | boolean | undefined;
} {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [name, { type: f.type }]),
  );
  const { values, positionals } = parseArgs({
    args: argv,
    options,
    allowPositionals: true,
    strict: true,
  });
  return {
    command: positionals[0],
    get: (name) => {
      const v = values[name];
      if (v !== undefined) return v;
      const env = FLAGS[name].env ? process.env[FLAGS[name].env] : undefined;
      if (env === undefined || env === '') return undefined;
      return FLAGS[name].type === 'boolean' ? env !== '0' && env !== 'false' : env;
    },
  };
}

function int(value: string | boolean | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got ${String(value)}`);
  return n;
}

/** A duration flag: 500ms, or anything parseDuration takes (30s, 15m, 8h, 7d). */
function duration(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const ms = /^(\d+)\s*ms$/.exec(value.trim());
  let n: number;
  try {
    n = ms ? Number(ms[1]) : parseDuration(value);
  } catch {
    throw new Error(`--${name} must be a duration like 500ms, 30s, 15m, 8h or 7d, got ${value}`);
  }
  if (n < min) throw new Error(`--${name} must be at least ${min} ms, got ${value}`);
  return n;
}

function feedRetentionFrom(
  get: (name: FlagName) => string | boolean | undefined,
  str: (name: FlagName) => string | undefined,
): ServerConfig['feedRetention'] {
  const age = str('feed-retention');
  if (age?.trim() === 'off') return null;
  const d = DEFAULT_FEED_RETENTION;
  return {
    minAgeMs: duration(age, 'feed-retention', d.minAgeMs),
    keepNewest: int(get('feed-keep-newest'), 'feed-keep-newest', d.keepNewest, 1),
    // A floor, so a typo cannot turn the prune into a busy loop on the writer.
    intervalMs: duration(str('feed-prune-interval'), 'feed-prune-interval', d.intervalMs, 10),
    batchSize: int(get('feed-prune-batch'), 'feed-prune-batch', d.batchSize, 1),
  };
}

function auditRetentionFrom(
  str: (name: FlagName) => string | undefined,
): ServerConfig['auditRetention'] {
  const age = str('audit-retention');
  if (age?.trim() === 'off') return null;
  const d = DEFAULT_AUDIT_RETENTION;
  return {
    ...d,
    maxAgeMs: duration(age, 'audit-retention', d.maxAgeMs),
    // A floor, as for the feed: a typo cannot turn the prune into a busy loop on the writer.
    intervalMs: duration(str('audit-prune-interval'), 'audit-prune-interval', d.intervalMs, 10),
  };
}

/** 0 (with or without a unit) turns the probe off. */
function gatewayProbeIntervalFrom(value: string | undefined): number {
  const text = value?.trim() === '0' ? '0ms' : value;
  const ms = duration(text, 'gateway-probe-interval', DEFAULT_CONFIG.gatewayProbeIntervalMs);
  // A floor, so a typo cannot aim a stream of probes at the card company.
  if (ms > 0 && ms < 10)
    throw new Error(`--gateway-probe-interval must be 0 (off) or at least 10ms, got ${text}`);
  return ms;
}

function configFrom(get: (name: FlagName) => string | boolean | undefined): ServerConfig {
  const str = (name: FlagName): string | undefined => {
    const v = get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const origins = str('allowed-origins');
  const fsync = (str('fsync') ?? 'normal').toUpperCase();
  if (fsync !== 'NORMAL' && fsync !== 'FULL') throw new Error('--fsync must be normal or full');
  const latency = /^(\d+)-(\d+)$/.exec(str('gateway-latency') ?? '40-160');
  if (!latency) throw new Error('--gateway-latency must look like 40-160');
  const hz = Number(str('hz') ?? DEFAULT_CONFIG.hz);
  if (!(hz > 0 && hz <= 50)) throw new Error('--hz must be between 0 and 50');
  return {
    ...DEFAULT_CONFIG,
    host: str('host') ?? DEFAULT_CONFIG.host,
    port: int(get('port'), 'port', DEFAULT_CONFIG.port),
    dataDir: str('data') ?? DEFAULT_CONFIG.dataDir,
    seed: get('no-seed') !== true,
    seedCustomers: int(get('customers'), 'customers', DEFAULT_CONFIG.seedCustomers),
    seedDeliveries: int(get('deliveries'), 'deliveries', DEFAULT_CONFIG.seedDeliveries),
    drones: int(get('drones'), 'drones', DEFAULT_CONFIG.drones),
    simulate: get('no-simulate') !== true,
    hz,
    allowedOrigins: origins ? origins.split(',').map((o) => o.trim()) : 'any',
    logLevel: str('log-level') ?? DEFAULT_CONFIG.logLevel,
    fsync,
    gatewayLatencyMs: { min: Number(latency[1]), max: Number(latency[2]) },
    paymentSweepMs: int(
      get('payment-sweep-ms'),
      'payment-sweep-ms',
      DEFAULT_CONFIG.paymentSweepMs,
      10,
    ),
    gatewayHalfOpenAfterMs: int(
      get('breaker-half-open-ms'),
      'breaker-half-open-ms',
      DEFAULT_CONFIG.gatewayHalfOpenAfterMs,
      10,
    ),
    gatewayProbeIntervalMs: gatewayProbeIntervalFrom(str('gateway-probe-interval')),
    checkpointIntervalMs: duration(
      str('checkpoint-interval'),
      'checkpoint-interval',
      DEFAULT_CONFIG.checkpointIntervalMs,
      100,
    ),
    feedRetention: feedRetentionFrom(get, str),
    auditRetention: auditRetentionFrom(str),
    scaleOut: scaleOutFrom(str, () =>
      duration(str('lease-ttl'), 'lease-ttl', DEFAULT_LEASE_TTL_MS, 300),
    ),
    accessTokenTtlMs: duration(str('access-ttl'), 'access-ttl', 5 * 60_000, 1000),
  };
}

async function main(argv: string[]): Promise<number> {
  const { command, get } = readFlags(argv);
  if (get('help') === true || command === undefined) {
    console.log(usage());
    return command === undefined && get('help') !== true ? 2 : 0;
  }
  const str = (name: FlagName): string | undefined => {
    const v = get(name);
    return typeof v === 'string' ? v : undefined;
  };
  if (command === 'rotate-key') {
    const storage = str('storage');
    if (storage === undefined) throw new Error('rotate-key needs --storage postgres://…');
    const kid = await rotateKey(
      checkStorageUrl(storage),
      schemaFrom(str),
      get('retire-old') === true,
    );
    console.log(
      `new signing key ${kid}${get('retire-old') === true ? '; older keys retired' : ''}`,
    );
    return 0;
  }
  if (command === 'token') {
    const dataDir = (get('data') as string | undefined) ?? DEFAULT_CONFIG.dataDir;
    const user = get('user');
    const role = get('role');
    if (typeof user !== 'string' || !/^[A-Za-z0-9_.:-]{1,80}$/.test(user))
      throw new Error('--user <id> is required (letters, digits, _.:-)');
    if (!isRole(role)) throw new Error('--role must be agent, fleet-manager or supervisor');
    const ttl = parseDuration((get('ttl') as string | undefined) ?? '8h');
    const storage = str('storage');
    if (storage !== undefined) {
      const claims = { userId: user, role, expiresAt: Date.now() + ttl };
      console.log(await mintScaleOutToken(checkStorageUrl(storage), schemaFrom(str), claims));
      return 0;
    }
    mkdirSync(dataDir, { recursive: true });
    console.log(
      signToken(loadOrCreateSecret(dataDir), { userId: user, role, expiresAt: Date.now() + ttl }),
    );
    return 0;
  }
  if (command === 'revoke' || command === 'access') {
    const text = (name: 'user' | 'desk' | 'reason'): string | undefined => str(name);
    const run = (store: AccessStore) =>
      runAccessCommand(command, store, text, (line) => {
        console.log(line);
      });
    const storage = str('storage');
    if (storage === undefined)
      return withEmbeddedAccess((get('data') as string | undefined) ?? DEFAULT_CONFIG.dataDir, run);
    const redis = str('redis');
    return withScaleOutAccess(
      checkStorageUrl(storage),
      schemaFrom(str),
      redis === undefined
        ? undefined
        : { url: checkRedisUrl(redis), prefix: str('redis-prefix') ?? 'fleetdesk:' },
      run,
    );
  }
  if (command !== 'serve')
    throw new Error(
      `Unknown command ${JSON.stringify(command)}; use serve, token, rotate-key, revoke or access (see --help)`,
    );
  const server = await startSyncServer(configFrom(get));
  // Machine-readable line for scripts and tests that start the server on port 0.
  console.log(`fleetdesk-sync-server listening ${server.url}`);
  console.log(
    [
      `  health:   ${server.url}/healthz   readiness: ${server.url}/readyz   metrics: ${server.url}/metrics`,
      `  yjs:      ${server.url.replace('http', 'ws')}/yjs/board/<region>/<yyyy-mm-dd>   telemetry: ${server.url.replace('http', 'ws')}/telemetry`,
      '  token:    npm run sync-server -- token --data <dir> --user <id> --role agent|fleet-manager|supervisor',
    ].join('\n'),
  );
  const shutdown = (signal: string): void => {
    console.log(`received ${signal}, draining…`);
    void server.stop(signal === 'SIGHUP' ? 1012 : 1001).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);

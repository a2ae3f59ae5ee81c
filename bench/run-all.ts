/**
 * `npm run bench [-- --quick]`: every benchmark, one after another (they must not share the
 * 2-core machine with each other). Each writes bench/results/<name>.md/.json. Not part of
 * `npm test`. --quick is passed to the suites that take it (fan-out, cluster): fewer rounds,
 * shorter windows, a sparser ladder, for a first look.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const suites: { name: string; entry: string; args?: string[] }[] = [
  {
    name: 'sync-server fan-out vs peers (in memory and durable)',
    entry: join(here, 'fanout', 'run.ts'),
    args: quick,
  },
  {
    name: 'sync-server fan-out vs peers, light clients',
    entry: join(here, 'fanout', 'run.ts'),
    args: [
      ...['--load', 'light', ...quick],
      ...['--servers', 'fleetdesk,y-websocket,y-websocket-leveldb,ws-echo,fleetdesk-mem'],
    ],
  },
  {
    name: 'sync server shapes: SQLite, PostgreSQL + Redis, 3 behind HAProxy',
    entry: join(here, 'cluster', 'run.ts'),
    args: quick,
  },
  { name: 'desktop core: ingest, search, catch-up', entry: join(here, 'core', 'run.ts') },
  { name: 'sync server: reconnect storm', entry: join(here, 'storm', 'run.ts') },
  { name: 'fleet map in Chromium', entry: join(here, 'map', 'run.ts') },
];

let failed = 0;
for (const suite of suites) {
  if (!existsSync(suite.entry)) {
    console.log(`\n== ${suite.name}: not present (${suite.entry})`);
    continue;
  }
  console.log(`\n== ${suite.name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', suite.entry, ...(suite.args ?? [])], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed += 1;
    console.error(`== ${suite.name} failed (${String(run.status ?? run.signal)})`);
  }
}
process.exit(failed === 0 ? 0 : 1);

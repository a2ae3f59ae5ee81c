/**
 * `npm run bench:cluster [-- --quick]` (part of `npm run bench`): the sync server in its three
 * shapes, same harness, same run: one instance on SQLite, one on PostgreSQL + Redis, and three on
 * PostgreSQL + Redis behind HAProxy. Per shape:
 * - Yjs fan-out: stock y-websocket clients on one board document (5 writers, every client a
 *   reader) at each rate of a small ladder; per update: latency from a writer's push to each
 *   other client's receipt (p50/p99), and server CPU (user + system time of every instance from
 *   /proc, divided by the updates written).
 * - Command throughput: a reconnect storm of desks sending queued cancels in batches (the desk's
 *   protocol, sync-server/test-support/storm.ts) while an agent sends single commands: commands/s,
 *   the agent's p99, server CPU per command.
 * - Connection capacity: idle sockets added in steps (each a Yjs connection that synced and then
 *   stays quiet) while the active clients of the fan-out keep writing; RSS of the instances per
 *   step, memory per connection, and the highest idle count at which the active p99 < 50 ms.
 * - For the three instances, the recovery after a SIGKILL of one of them: time until every
 *   client holds every update again.
 * `--commands-only` measures only the command throughput of each shape and prints its table
 * (no results file): a look at the writer path (issue 11) without the fan-out ladder.
 * Results: bench/results/cluster.md and .json. Uses the machine's PostgreSQL and Redis (a
 * database and Redis prefix of its own, dropped at the end) and HAProxy.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Role } from '../../domain/protocol';
import {
  api,
  clusterTokens,
  freePort,
  startHaproxy,
  startInstance,
} from '../../sync-server/test-support/cluster-harness';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import {
  cancellableDeliveries,
  runStorm,
  type StormResult,
  type StormServer,
} from '../../sync-server/test-support/storm';
import { writeResult } from '../core/bench-util';
import { summarize, type LatencySummary } from '../fanout/stats';

const QUICK = process.argv.includes('--quick');
/** Only the recovery after a kill (three instances), to look at it alone. */
const RECOVERY_ONLY = process.argv.includes('--recovery-only');
/** Only the command throughput of each shape (the feed's writer path), printed, not written. */
const COMMANDS_ONLY = process.argv.includes('--commands-only');
const CLIENTS = 20;
const WRITERS = 5;
const SLO_MS = 50;
const P = QUICK
  ? { rates: [100, 400], windowMs: 5000, idleSteps: [0, 500, 1000, 2000], desks: 5, perDesk: 100 }
  : {
      rates: [100, 400, 800],
      windowMs: 15_000,
      idleSteps: [0, 1000, 2000, 3000],
      desks: 10,
      perDesk: 200,
    };
const CAPACITY_RATE = 100;
const ADMIN =
  process.env['FLEETDESK_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env['FLEETDESK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DAY = new Date().toISOString().slice(0, 10);
// Every measured window gets a document of its own, so a window's new clients neither sync an
// earlier window's entries (counted as late receipts) nor a document grown by the previous ones.
let windows = 0;
const freshDoc = (): string => `board/benchw${(windows += 1)}/${DAY}`;
/** The idle sockets' document: nobody writes to it. */
const IDLE_DOC = `board/benchidle/${DAY}`;
const TICK_S = 1 / 100; // /proc clock ticks (USER_HZ)
// Enough created deliveries for the storm and the agent's single commands (about a third are).
const SEED = ['--deliveries', String(P.desks * P.perDesk * 3 + 900), '--customers', '1000'];

/** A deployment under test: where clients go, how to sign, which processes do the work. */
interface Shape {
  readonly name: string;
  readonly entry: string;
  readonly instances: ServerProcess[];
  readonly haproxyPid: number | undefined;
  token(user: string, role: Role): string;
}

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_S; // utime, stime
  } catch {
    return 0; // a killed instance
  }
}
const cpuOf = (shape: Shape): number =>
  shape.instances.reduce((sum, i) => sum + cpuSeconds(i.child.pid), 0);

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(probe: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) return Number.NaN;
    await sleep(20);
  }
  return Date.now() - started;
}

/**
 * The send time in µs since this process started, base 36: a decimal epoch-ms timestamp is a
 * 13-digit number, and one in ten passes the Luhn check, so the server's card-data guard
 * refused it as a card number (the writer closed 1008, its provider resending it for ever).
 */
const stamp = (): string => Math.round(performance.now() * 1000).toString(36);

interface Client {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly entries: Y.Array<string>;
}

function connect(
  wsUrl: string,
  docName: string,
  token: string,
  latencies: number[],
  id: number,
): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/yjs`, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 500,
  });
  const entries = doc.getArray<string>('bench');
  entries.observe((event) => {
    if (event.transaction.local) return;
    const now = performance.now();
    for (const item of event.changes.added)
      for (const value of item.content.getContent() as string[]) {
        const [writer, sentAt] = value.split('@');
        if (Number(writer) !== id) latencies.push(now - parseInt(sentAt ?? '', 36) / 1000);
      }
  });
  return { doc, provider, entries };
}

/** The active clients of one shape: connected, synced, writing on demand. */
async function activeClients(shape: Shape) {
  const latencies: number[] = [];
  const ws = shape.entry.replace('http', 'ws');
  const docName = freshDoc();
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    connect(ws, docName, shape.token(`bench-${i}`, 'supervisor'), latencies, i),
  );
  await until(() => clients.every((c) => c.provider.synced), 30_000);
  let written = 0;
  const write = (): void => {
    const c = clients[written % WRITERS];
    c?.entries.push([`${written % WRITERS}@${stamp()}`]);
    written += 1;
  };
  const allHave = (): boolean => clients.every((c) => c.entries.length === written);
  return {
    /** Per client: entries held / written, and its provider's state (for a run that stalls). */
    describe: (): string =>
      clients
        .map(
          (c, i) =>
            `${i}:${c.entries.length}/${written}${c.provider.wsconnected ? '' : ' offline'}`,
        )
        .join(' '),
    latencies,
    write,
    written: () => written,
    allHave,
    close(): void {
      for (const c of clients) {
        c.provider.destroy();
        c.doc.destroy();
      }
    },
  };
}

interface FanoutResult {
  readonly rate: number;
  readonly updates: number;
  readonly latency: LatencySummary;
  readonly cpuMsPerUpdate: number;
  readonly haproxyCpuMsPerUpdate: number | null;
  readonly held: boolean;
}

/** `rate` updates/s for `windowMs` on fresh active clients. */
async function fanout(shape: Shape, rate: number, windowMs: number): Promise<FanoutResult> {
  const active = await activeClients(shape);
  const cpu0 = cpuOf(shape);
  const lb0 = cpuSeconds(shape.haproxyPid);
  const timer = setInterval(active.write, 1000 / rate);
  await sleep(windowMs);
  clearInterval(timer);
  const drained = await until(active.allHave, 10_000);
  const cpu = cpuOf(shape) - cpu0;
  const lb = cpuSeconds(shape.haproxyPid) - lb0;
  const updates = active.written();
  active.close();
  const latency = summarize(active.latencies);
  return {
    rate,
    updates,
    latency,
    cpuMsPerUpdate: (cpu * 1000) / updates,
    haproxyCpuMsPerUpdate: shape.haproxyPid === undefined ? null : (lb * 1000) / updates,
    held: Number.isFinite(drained) && latency.p99 < SLO_MS,
  };
}

interface CommandResult {
  readonly storm: Omit<StormResult, 'deskFirst' | 'deskDone'>;
  readonly cpuMsPerCommand: number;
}

async function commands(shape: Shape): Promise<CommandResult> {
  const server: StormServer = {
    url: shape.entry,
    token: (user, role) => shape.token(user, role),
    api: (path, init) => api(shape.entry, path, init),
  };
  const targets = (await cancellableDeliveries(server)).filter((d) => d.stage === 'created');
  const cpu0 = cpuOf(shape);
  const storm = await runStorm(server, targets, {
    desks: P.desks,
    perDesk: P.perDesk,
    batchSize: 100,
    pipeline: 2,
    interactiveGapMs: 20,
    mode: 'batch',
  });
  const cpu = cpuOf(shape) - cpu0;
  const { deskFirst: _f, deskDone: _d, ...rest } = storm;
  return { storm: rest, cpuMsPerCommand: (cpu * 1000) / storm.commands };
}

interface CapacityStep {
  readonly idle: number;
  readonly failed: number;
  readonly rssMb: number;
  readonly activeP99: number;
  readonly held: boolean;
}

/** Opens `n` Yjs sockets that stay quiet after the server's first frame; counts refusals. */
async function openIdle(shape: Shape, n: number, into: WebSocket[]): Promise<number> {
  const ws = shape.entry.replace('http', 'ws');
  const token = shape.token('bench-idle', 'supervisor');
  let failed = 0;
  for (let done = 0; done < n; done += 100) {
    await Promise.all(
      Array.from(
        { length: Math.min(100, n - done) },
        () =>
          new Promise<void>((resolve) => {
            const socket = new WebSocket(`${ws}/yjs/${IDLE_DOC}?token=${token}`);
            const timer = setTimeout(() => {
              failed += 1;
              socket.terminate();
              resolve();
            }, 15_000);
            socket.once('message', () => {
              clearTimeout(timer);
              into.push(socket);
              resolve();
            });
            socket.once('error', () => {
              clearTimeout(timer);
              failed += 1;
              resolve();
            });
          }),
      ),
    );
  }
  return failed;
}

async function capacity(shape: Shape): Promise<CapacityStep[]> {
  const sockets: WebSocket[] = [];
  const steps: CapacityStep[] = [];
  let failed = 0;
  try {
    for (const idle of P.idleSteps) {
      failed += await openIdle(shape, idle - sockets.length - failed, sockets);
      await sleep(1000);
      const rss = shape.instances.reduce((sum, i) => sum + rssMb(i.child.pid), 0);
      const active = await fanout(shape, CAPACITY_RATE, Math.max(3000, P.windowMs / 3));
      steps.push({
        idle: sockets.length,
        failed,
        rssMb: rss,
        activeP99: active.latency.p99,
        held: active.held && failed === 0,
      });
      console.error(
        `  ${shape.name}: ${sockets.length} idle (+${CLIENTS} active), ${failed} refused, RSS ${rss.toFixed(0)} MB, active p99 ${active.latency.p99.toFixed(1)} ms`,
      );
      if (failed > 0) break;
    }
  } finally {
    for (const s of sockets) s.terminate();
  }
  return steps;
}

/** SIGKILL of the first instance; one update per writer right after: until every client has all. */
async function recovery(shape: Shape): Promise<number> {
  const active = await activeClients(shape);
  const timer = setInterval(active.write, 1000 / CAPACITY_RATE);
  await sleep(2000);
  clearInterval(timer);
  await until(active.allHave, 10_000);
  shape.instances[0]?.child.kill('SIGKILL');
  const killedAt = Date.now();
  for (let w = 0; w < WRITERS; w += 1) active.write();
  const recovered = await until(active.allHave, 60_000);
  const ms = Date.now() - killedAt;
  if (!Number.isFinite(recovered)) console.error(`  recovery: not converged: ${active.describe()}`);
  active.close();
  return ms;
}

interface ShapeResult {
  readonly shape: string;
  readonly instances: number;
  readonly fanout: FanoutResult[];
  readonly commands: CommandResult;
  readonly capacity: CapacityStep[];
  readonly recoveryMs: number | null;
}

async function measureShape(shape: Shape, kill: boolean): Promise<ShapeResult> {
  if (RECOVERY_ONLY) {
    const recoveryMs = kill ? await recovery(shape) : null;
    console.error(`${shape.name}: recovery ${String(recoveryMs)} ms`);
    return {
      shape: shape.name,
      instances: 3,
      fanout: [],
      capacity: [],
      recoveryMs,
    } as unknown as ShapeResult;
  }
  if (COMMANDS_ONLY) {
    console.error(`${shape.name}: commands`);
    const cmd = await commands(shape);
    return {
      shape: shape.name,
      instances: shape.instances.length,
      fanout: [],
      commands: cmd,
      capacity: [],
      recoveryMs: null,
    };
  }
  console.error(`${shape.name}: fan-out`);
  const fan: FanoutResult[] = [];
  for (const rate of P.rates) fan.push(await fanout(shape, rate, P.windowMs));
  console.error(`${shape.name}: commands`);
  const cmd = await commands(shape);
  console.error(`${shape.name}: connection capacity`);
  const cap = await capacity(shape);
  const recoveryMs = kill ? await recovery(shape) : null;
  return {
    shape: shape.name,
    instances: shape.instances.length,
    fanout: fan,
    commands: cmd,
    capacity: cap,
    recoveryMs,
  };
}

async function main(): Promise<void> {
  // Each stock WebsocketProvider adds a process 'exit' listener.
  process.setMaxListeners(4 * CLIENTS);
  const started = Date.now();
  const results: ShapeResult[] = [];
  const data = tempDataDir();
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const stopAll: (() => Promise<void> | void)[] = [];
  try {
    if (!RECOVERY_ONLY) {
      const sqlite = await startServerProcess(`${data.dir}/sqlite`, SEED, 0, {
        startTimeoutMs: 300_000,
      });
      stopAll.push(() => void sqlite.child.kill('SIGKILL'));
      results.push(
        await measureShape(
          {
            name: '1 instance, SQLite',
            entry: sqlite.url,
            instances: [sqlite],
            haproxyPid: undefined,
            token: (u, r) => sqlite.token(u, r),
          },
          false,
        ),
      );
      sqlite.child.kill('SIGTERM');
      await sqlite.exited;
    }

    for (const n of RECOVERY_ONLY ? [3] : [1, 3]) {
      const database = `fd_bench_cluster_${n}_${process.pid}`;
      await admin.query(`CREATE DATABASE ${database}`);
      stopAll.push(() =>
        admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).then(() => undefined),
      );
      const url = new URL(ADMIN);
      url.pathname = `/${database}`;
      const options = {
        storage: url.toString(),
        redis: REDIS,
        redisPrefix: `fd-bench-${n}-${process.pid}:`,
        args: SEED,
        startTimeoutMs: 300_000,
      };
      const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
      const instances = await Promise.all(
        ports.map((p, i) => startInstance(options, p, `${data.dir}/pg${n}-${i}`)),
      );
      stopAll.push(() => {
        for (const i of instances) i.child.kill('SIGKILL');
      });
      const sign = await clusterTokens(url.toString());
      const haproxy = n > 1 ? await startHaproxy(ports) : undefined;
      if (haproxy) stopAll.push(() => haproxy.stop());
      results.push(
        await measureShape(
          {
            name:
              n === 1
                ? '1 instance, PostgreSQL + Redis'
                : '3 instances, PostgreSQL + Redis, HAProxy',
            entry: haproxy?.url ?? instances[0]?.url ?? '',
            instances,
            haproxyPid: haproxy?.child.pid,
            token: sign,
          },
          n > 1,
        ),
      );
    }
  } finally {
    for (const stop of stopAll.reverse()) await stop();
    await admin.end();
    data.cleanup();
  }
  const wallS = (Date.now() - started) / 1000;
  if (RECOVERY_ONLY) return; // a look, not a result
  if (COMMANDS_ONLY) {
    console.log(render(results, wallS));
    return;
  }
  writeResult('cluster', render(results, wallS), { quick: QUICK, params: P, wallS, results });
}

const f = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);

function render(results: readonly ShapeResult[], wallS: number): string {
  const base = results[0];
  const ratio = (a: number, b: number | undefined): string =>
    b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;
  const memPerConn = (steps: readonly CapacityStep[]): number => {
    const first = steps[0];
    const last = steps.at(-1);
    if (!first || !last || last.idle === first.idle) return Number.NaN;
    return ((last.rssMb - first.rssMb) * 1024) / (last.idle - first.idle);
  };
  const highestIdle = (steps: readonly CapacityStep[]): string => {
    const held = steps.filter((s) => s.held);
    const top = held.at(-1)?.idle;
    const broke = steps.find((s) => !s.held);
    return `${top ?? 'none'}${broke ? '' : ' (top step held)'}`;
  };
  return [
    '# Sync server shapes: SQLite vs PostgreSQL + Redis vs 3 behind HAProxy',
    '',
    `Command: \`npm run bench:cluster${QUICK || COMMANDS_ONLY ? ' --' : ''}${QUICK ? ' --quick' : ''}${COMMANDS_ONLY ? ' --commands-only' : ''}\`, wall time ${wallS.toFixed(0)} s, ${new Date().toISOString()}, ${process.platform} ${process.arch}, node ${process.version}. **The 2 cores were shared with other engineers' test runs**: absolute numbers swing with their load; the ratios between shapes are from the same run.`,
    '',
    `Fan-out: ${CLIENTS} stock y-websocket clients on one document, ${WRITERS} writing, each rate for ${P.windowMs / 1000} s; latency = a writer's push to each other client's receipt; CPU = user + system time of the instances (HAProxy separately) per update written. Held: p99 < ${SLO_MS} ms and every update delivered.`,
    '',
    '| shape | updates/s | updates | p50 ms | p99 ms | max ms | held | server CPU ms/update | HAProxy CPU ms/update | p99 vs SQLite |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...results.flatMap((r) =>
      r.fanout.map((x) => {
        const mine = base?.fanout.find((b) => b.rate === x.rate)?.latency.p99;
        return `| ${r.shape} | ${x.rate} | ${x.updates} | ${f(x.latency.p50)} | ${f(x.latency.p99)} | ${f(x.latency.max)} | ${x.held ? 'yes' : 'no'} | ${f(x.cpuMsPerUpdate, 3)} | ${f(x.haproxyCpuMsPerUpdate, 3)} | ${ratio(x.latency.p99, mine)} |`;
      }),
    ),
    '',
    `Commands: ${P.desks} desks × ${P.perDesk} queued cancels reconnect at once (batches of 100, 2 in flight, the desk's protocol), while an agent sends single cancels 20 ms apart.`,
    '',
    '| shape | commands | seconds | commands/s | vs SQLite | agent p50 / p99 ms (n) | shed 429 / 503 | server CPU ms/command |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => {
      const s = r.commands.storm;
      return `| ${r.shape} | ${s.commands} | ${f(s.seconds)} | ${f(s.commandsPerSecond, 0)} | ${ratio(s.commandsPerSecond, base?.commands.storm.commandsPerSecond)} | ${f(s.interactive.p50, 0)} / ${f(s.interactive.p99, 0)} (${s.interactive.count}) | ${s.shed.s429} / ${s.shed.s503} | ${f(r.commands.cpuMsPerCommand, 3)} |`;
    }),
    '',
    `Connection capacity: idle Yjs sockets (connected to a document nobody writes, then quiet) added in steps up to ${P.idleSteps.at(-1)}, while the ${CLIENTS} active clients write ${CAPACITY_RATE} updates/s. Memory per connection = RSS growth of the instances / idle sockets added. Held: no socket refused and active p99 < ${SLO_MS} ms. Not a limit search past the top step: the load generator (this process) holds every socket.`,
    '',
    '| shape | idle sockets (refused) → instances RSS MB / active p99 ms | highest idle held | memory per connection KiB |',
    '| --- | --- | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.shape} | ${r.capacity.map((s) => `${s.idle}${s.failed > 0 ? ` (${s.failed})` : ''} → ${f(s.rssMb, 0)} / ${f(s.activeP99, 1)}`).join('; ')} | ${highestIdle(r.capacity)} | ${f(memPerConn(r.capacity), 1)} |`,
    ),
    '',
    `Recovery: SIGKILL of one of the three instances (clients spread by HAProxy), then one update per writer; time until every client holds every update: **${f(results.find((r) => r.recoveryMs !== null)?.recoveryMs, 0)} ms** (goal < 5,000 ms).`,
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * Fan-out benchmark: D documents x C clients, one writer per document at a fixed rate, latency
 * from send to receipt on every other client. Same harness, same machine, same run against:
 *   fleetdesk    our sync server, started with its real CLI (auth, validation, SQLite per update)
 *   y-websocket  @y/websocket-server (reference server, in memory)
 *   hocuspocus   @hocuspocus/server (defaults, in memory)
 *   y-websocket-leveldb, hocuspocus-sqlite  the durable peers: the same two servers with their
 *                stock persistence (y-leveldb; @hocuspocus/extension-sqlite), for equal work
 *   ws-echo      a raw ws relay: the floor
 *   fleetdesk-nocompact  ablation: our Yjs hub with log compaction off (to attribute its cost);
 *                        fleetdesk-mem (in-memory store) is available via --servers
 * Each server runs in its own child process; all clients run in this process. Each (server, rate)
 * step is measured --rounds times: per rate, round after round, every server still climbing runs
 * once, and which goes first rotates every round, so drift on the machine hits all alike. The
 * report's headline is the median p99 over the rounds; ratios are of medians, with how many of the
 * paired rounds (the same pass over the servers) fleetdesk won. A step is held when most rounds held; a
 * server stops climbing at its first step not held.
 *
 *   npm run bench:fanout -- [--docs 20] [--clients 5] [--rates 5,10,20,40,80,160,320] [--rounds 3]
 *                           [--warmup 2] [--measure 6] [--slo 50] [--quick]
 *                           [--servers fleetdesk,y-websocket,...] [--load stock|light]
 *                           [--drain 2000] [--max-foreign 50] [--priority -10]
 *
 * An odd --rounds avoids ties in the majority rule (a tie is not held). The ladder climbs until
 * every server broke (the knee: the highest rate held with p99 < --slo); the estimate for the
 * given flags is printed at the start. --quick: 1 round of 1 + 3 s per step on a sparser ladder
 * (10,40,160,320/doc) unless --rounds/--warmup/--measure/--rates say otherwise.
 *
 * The machine may be shared: the benchmark raises its own priority (nice -10, inherited by every
 * server process alike) and records the CPU other processes used in each window ("foreign CPU").
 *
 * --load light swaps the stock providers for bare sockets that send pre-encoded updates and
 * count receipts without decoding them (light-clients.ts): the load generator then costs little
 * CPU, so what is measured is each server's relay. Only for servers speaking the y-websocket
 * protocol (not Hocuspocus). Results go to fanout-light.md/json instead.
 *
 * Writes bench/results/fanout.md and fanout.json and prints the Markdown to stdout; progress
 * goes to stderr. `npm run bench:fanout -- --render` rewrites fanout.md from fanout.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, release, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { loadOrCreateSecret, signToken } from '../../sync-server/auth';
import { fleetdeskServeArgs, machineBusyMs, ServerProcess } from './child';
import { Fleet, type ClientKind, type Sink } from './clients';
import { LightFleet } from './light-clients';
import { profileFleetdeskUpdatePath, renderProfile, type ProfileResult } from './profile';
import {
  renderMarkdown,
  reportFromJson,
  stepOf,
  summarize,
  whyNotHeld,
  type Report,
  type RunResult,
} from './stats';

const ROOT = resolve(import.meta.dirname, '../..');
const RESULTS = join(ROOT, 'bench/results');
const OURS = 'fleetdesk';

interface Config {
  readonly docs: number;
  readonly clientsPerDoc: number;
  readonly rates: readonly number[];
  /** Measurements per (server, rate). */
  readonly rounds: number;
  readonly warmupS: number;
  readonly measureS: number;
  readonly sloMs: number;
  readonly drainMs: number;
  /** A step with more CPU than this (% of one core) used by other processes is flagged. */
  readonly maxForeignPct: number;
  /** Nice value for the benchmark and (inherited) every server process; 0 leaves it alone. */
  readonly priority: number;
  readonly servers: readonly string[];
  /** 'stock': the stock providers; 'light': bare sockets (light-clients.ts). */
  readonly load: 'stock' | 'light';
}

interface ServerSpec {
  readonly name: string;
  readonly description: string;
  readonly kind: ClientKind;
  /** Run unless --servers says otherwise. */
  readonly byDefault: boolean;
  start(cleanup: (dir: string) => void): Promise<{
    proc: ServerProcess;
    url: string;
    token?: (d: number, c: number) => string;
    metricsUrl?: string;
  }>;
}

const TSX = ['--import', 'tsx'];
const peerEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env['YPERSISTENCE'];
  return env;
};

/** A peer launcher (bench/fanout/servers/<script>) as a child process, plain ws URL. */
async function startPeer(
  name: string,
  script: string,
  { args = [], env = {} }: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): ReturnType<ServerSpec['start']> {
  const proc = await ServerProcess.start(
    name,
    [...TSX, `bench/fanout/servers/${script}`, ...args],
    { cwd: ROOT, env: { ...peerEnv(), ...env } },
  );
  return { proc, url: `ws://127.0.0.1:${proc.port}` };
}

/** A temp dir for a durable peer's files, removed at the end. */
function peerDir(cleanup: (dir: string) => void, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup(dir);
  return dir;
}

/** A data dir with the token secret created up front, and a (cached) token per client. */
function ourDataDir(cleanup: (dir: string) => void): {
  dataDir: string;
  token: (d: number, c: number) => string;
} {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetdesk-fanout-'));
  cleanup(dataDir);
  const secret = loadOrCreateSecret(dataDir);
  const expiresAt = Date.now() + 3600e3;
  const tokens = new Map<string, string>();
  return {
    dataDir,
    token: (d, c) => {
      const userId = `bench-d${d}-c${c}`;
      let token = tokens.get(userId);
      if (token === undefined) {
        token = signToken(secret, { userId, role: 'supervisor', expiresAt });
        tokens.set(userId, token);
      }
      return token;
    },
  };
}

/** Our sync server through its real CLI, with `extraArgs` appended to `serve`. */
const startOurServer = (
  name: string,
  cleanup: (dir: string) => void,
  extraArgs: readonly string[] = [],
): ReturnType<ServerSpec['start']> =>
  startOurs(name, cleanup, (dataDir) => [...fleetdeskServeArgs(dataDir), ...extraArgs]);

/** One of our servers (`args` after `node --import tsx`), with a token per bench client. */
async function startOurs(
  name: string,
  cleanup: (dir: string) => void,
  args: (dataDir: string) => string[],
): ReturnType<ServerSpec['start']> {
  const { dataDir, token } = ourDataDir(cleanup);
  const proc = await ServerProcess.start(name, [...TSX, ...args(dataDir)], { cwd: ROOT });
  return {
    proc,
    url: `ws://127.0.0.1:${proc.port}/yjs`,
    token,
    metricsUrl: `http://127.0.0.1:${proc.port}/metrics`,
  };
}

/** Our hub with one part switched (bench/fanout/servers/fleetdesk-hub.ts). */
function ablation(
  name: string,
  description: string,
  flags: readonly string[],
  byDefault: boolean,
): ServerSpec {
  return {
    name,
    description,
    kind: 'y-websocket',
    byDefault,
    start: (cleanup) =>
      startOurs(name, cleanup, (dataDir) => [
        'bench/fanout/servers/fleetdesk-hub.ts',
        '--data',
        dataDir,
        ...flags,
      ]),
  };
}

const SPECS: readonly ServerSpec[] = [
  {
    name: OURS,
    description:
      'our sync server via its real CLI (`sync-server/cli/main.ts serve --no-seed --no-simulate --log-level warn`): ' +
      'HMAC token auth and role check on upgrade, per-connection rate limit, every update validated (a rejected one ' +
      'is undone by reloading the doc from the store), appended to SQLite (WAL, synchronous=NORMAL; one transaction ' +
      'per event-loop turn, group commit) before broadcast, WAL checkpoints every 10 s on a thread of their own, log ' +
      'compacted past 500–749 rows (staggered per document): inline up to 256 KiB of log, larger ones on a worker thread.',
    kind: 'y-websocket',
    byDefault: true,
    start: (cleanup) => startOurServer(OURS, cleanup),
  },
  {
    // Not run by default: the checkpoint interval the server had before (README, Benchmarks).
    name: 'fleetdesk-ckpt2s',
    description:
      'ablation, not the product: our sync server via its real CLI as above, with WAL checkpoints every 2 s ' +
      '(`--checkpoint-interval 2s`) instead of the default 10 s.',
    kind: 'y-websocket',
    byDefault: false,
    start: (cleanup) =>
      startOurServer('fleetdesk-ckpt2s', cleanup, ['--checkpoint-interval', '2s']),
  },
  {
    name: 'y-websocket',
    description:
      '`@y/websocket-server` `setupWSConnection` on a plain http + ws server, in memory: no persistence ' +
      '(YPERSISTENCE unset), no auth, no validation. Stock `WebsocketProvider` clients.',
    kind: 'y-websocket',
    byDefault: true,
    start: () => startPeer('y-websocket', 'y-websocket.ts'),
  },
  {
    name: 'hocuspocus',
    description:
      '`@hocuspocus/server` with defaults and no extensions: in memory (no onStoreDocument, nothing persisted), ' +
      'no onAuthenticate hook. Stock `HocuspocusProvider` clients (one socket each).',
    kind: 'hocuspocus',
    byDefault: true,
    start: () => startPeer('hocuspocus', 'hocuspocus.ts'),
  },
  {
    name: 'y-websocket-leveldb',
    description:
      'durable peer: `@y/websocket-server` as above with its stock persistence, y-leveldb (YPERSISTENCE=<dir>): ' +
      'each update is broadcast, then handed to LevelDB without waiting (stored after broadcast).',
    kind: 'y-websocket',
    byDefault: true,
    start: (cleanup) =>
      startPeer('y-websocket-leveldb', 'y-websocket-leveldb.ts', {
        env: { YPERSISTENCE: peerDir(cleanup, 'fanout-yleveldb-') },
      }),
  },
  {
    name: 'hocuspocus-sqlite',
    description:
      'durable peer: `@hocuspocus/server` with `@hocuspocus/extension-sqlite` (better-sqlite3 file): a document ' +
      "is loaded from SQLite, and its whole state upserted by onStoreDocument, debounced (Hocuspocus's default " +
      '2 s, at most 10 s): updates are broadcast at once and stored later. Stock `HocuspocusProvider` clients.',
    kind: 'hocuspocus',
    byDefault: true,
    start: (cleanup) =>
      startPeer('hocuspocus-sqlite', 'hocuspocus-sqlite.ts', {
        args: ['--data', peerDir(cleanup, 'fanout-hpsqlite-')],
      }),
  },
  {
    name: 'ws-echo',
    description:
      'floor: a raw `ws` relay forwarding each frame to the other sockets of the room. Clients are bare ws ' +
      'sockets sending the same y-websocket update frames and decoding them into a Y.Doc.',
    kind: 'raw',
    byDefault: true,
    start: () => startPeer('ws-echo', 'ws-echo.ts'),
  },
  ablation(
    'fleetdesk-mem',
    'ablation, not the product: the same Yjs hub (auth, rate limit, validation, group commit, compaction) with an ' +
      'in-memory store instead of SQLite.',
    ['--store', 'memory'],
    false,
  ),
  ablation(
    'fleetdesk-nocompact',
    'ablation, not the product: the same Yjs hub on SQLite with log compaction switched off.',
    ['--compact-after', '0'],
    true,
  ),
];

const DEFAULT_SERVERS = SPECS.filter((s) => s.byDefault)
  .map((s) => s.name)
  .join(',');

function readConfig(argv: string[]): Config {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string', default: '20' },
      clients: { type: 'string', default: '5' },
      rates: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      measure: { type: 'string' },
      quick: { type: 'boolean', default: false },
      slo: { type: 'string', default: '50' },
      drain: { type: 'string', default: '2000' },
      servers: { type: 'string', default: DEFAULT_SERVERS },
      load: { type: 'string', default: 'stock' },
      'max-foreign': { type: 'string', default: '50' },
      priority: { type: 'string', default: '-10' },
    },
    strict: true,
  });
  const num = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${name} must be a number in [${min}, ${max}], got ${raw}`);
    return n;
  };
  // --quick: the same ladder to the top, sparser and once, for `npm run bench -- --quick`.
  const quick = values.quick;
  values.rates ??= quick ? '10,40,160,320' : '5,10,20,40,80,160,320';
  values.rounds ??= quick ? '1' : '3';
  values.warmup ??= quick ? '1' : '2';
  values.measure ??= quick ? '3' : '6';
  const load = values.load;
  if (load !== 'stock' && load !== 'light')
    throw new Error(`--load must be stock or light, got ${load}`);
  const hocuspocusKind = (name: string): boolean =>
    SPECS.find((spec) => spec.name === name)?.kind === 'hocuspocus';
  const servers = values.servers
    .split(',')
    .map((s) => s.trim())
    // Light clients speak the y-websocket protocol only: the default list leaves Hocuspocus out.
    .filter((s) => !(load === 'light' && values.servers === DEFAULT_SERVERS && hocuspocusKind(s)));
  for (const s of servers) {
    if (!SPECS.some((spec) => spec.name === s)) throw new Error(`unknown server ${s}`);
    if (load === 'light' && hocuspocusKind(s))
      throw new Error(`--load light speaks the y-websocket protocol; ${s} does not`);
  }
  const rates = values.rates.split(',').map((r) => num('rates', r, 0.1, 1000));
  // The report finds a step by its rate: a repeated rate would merge two steps into one.
  if (new Set(rates).size !== rates.length)
    throw new Error(`--rates repeats a rate: ${values.rates}`);
  return {
    docs: Math.round(num('docs', values.docs, 1, 500)),
    clientsPerDoc: Math.round(num('clients', values.clients, 2, 100)),
    rates,
    rounds: Math.round(num('rounds', values.rounds, 1, 20)),
    warmupS: num('warmup', values.warmup, 0, 60),
    measureS: num('measure', values.measure, 0.5, 120),
    sloMs: num('slo', values.slo, 1, 10_000),
    drainMs: num('drain', values.drain, 100, 30_000),
    maxForeignPct: num('max-foreign', values['max-foreign'], 0, 1000),
    priority: Math.round(num('priority', values.priority, -20, 19)),
    servers,
    load,
  };
}

const sleep = (msec: number): Promise<void> =>
  new Promise((done) => {
    setTimeout(done, msec);
  });

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface CpuSample {
  readonly at: number;
  readonly server: number;
  readonly client: NodeJS.CpuUsage;
  readonly machine: number;
}

/** What a step needs of its clients: stock providers (`Fleet`) or bare sockets (`LightFleet`). */
interface LoadFleet {
  readonly docs: number;
  readonly disconnects: number;
  setSink(sink: Sink): void;
  /** Document `d`'s writer sends its next update (`seq`-th overall); returns the send time. */
  write(d: number, seq: number): number;
  close(): void;
}

interface Target {
  readonly spec: ServerSpec;
  readonly proc: ServerProcess;
  readonly fleet: LoadFleet;
  /** Prometheus endpoint of servers that have one (ours), to count compactions per step. */
  readonly metricsUrl?: string;
  stopped: boolean;
}

/**
 * fleetdesk_yjs_compactions_total from the server's /metrics, summed over its `mode` label
 * (inline, background); null when unavailable. A labelled counter has no sample line until its
 * first increment, so a declared metric without samples counts 0.
 */
async function scrapeCompactions(metricsUrl: string | undefined): Promise<number | null> {
  if (metricsUrl === undefined) return null;
  try {
    const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    if (!/^# TYPE fleetdesk_yjs_compactions_total /m.test(text)) return null;
    const samples = text.matchAll(/^fleetdesk_yjs_compactions_total(?:\{[^}]*\})? (\d+)/gm);
    return [...samples].reduce((sum, match) => sum + Number(match[1]), 0);
  } catch {
    return null;
  }
}

function logRun(target: Target, run: RunResult, config: Config): void {
  progress(
    `  ${String(run.ratePerDoc).padStart(4)}/doc ${String(run.aggregateRate).padStart(5)}/s ` +
      `round ${run.round}/${config.rounds} ${target.spec.name.padEnd(20)} ` +
      `p50 ${run.latency.p50.toFixed(2)} p99 ${run.latency.p99.toFixed(2)} ms, ` +
      `delivered ${run.delivered}/${run.expected}, server CPU ${run.serverCpuPct.toFixed(0)}%, ` +
      `client CPU ${run.clientCpuPct.toFixed(0)}% (loop p99 ${run.clientLoopDelayP99.toFixed(1)} ms), ` +
      `foreign CPU ${run.foreignCpuPct.toFixed(0)}%, errors ${run.errors}` +
      (run.held ? '' : `  -> not held: ${whyNotHeld(run, config.sloMs).join(', ')}`),
  );
}

/** One round of one load step against one server: warm-up, measured window, drain. */
async function runStep(
  target: Target,
  ratePerDoc: number,
  round: number,
  config: Config,
): Promise<RunResult> {
  const { fleet, proc } = target;
  const docs = fleet.docs;
  const receivers = config.clientsPerDoc - 1;
  const period = 1000 / ratePerDoc;
  // Scraped outside the measured window (a scrape costs the server a little CPU).
  const compactions0 = await scrapeCompactions(target.metricsUrl);
  const t0 = performance.now() + 20;
  const winStart = t0 + config.warmupS * 1000;
  const winEnd = winStart + config.measureS * 1000;
  const samples: number[] = [];
  fleet.setSink((sentAt, receivedAt) => {
    if (sentAt >= winStart && sentAt < winEnd) samples.push(receivedAt - sentAt);
  });
  const disconnectsBefore = fleet.disconnects;
  let sent = 0;
  let seq = 0;
  const lags: number[] = [];
  const sampleCpu = (): CpuSample => ({
    at: performance.now(),
    server: proc.cpuMs(),
    client: process.cpuUsage(),
    machine: machineBusyMs(),
  });
  let cpu0 = sampleCpu();
  let cpu1 = cpu0;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  const cpuTimers = [
    setTimeout(() => {
      cpu0 = sampleCpu();
      loopDelay.enable();
    }, winStart - performance.now()),
    setTimeout(() => {
      cpu1 = sampleCpu();
      loopDelay.disable();
    }, winEnd - performance.now()),
  ];

  // Open-loop writers on an absolute schedule, phases spread across the period.
  const writers = Array.from(
    { length: docs },
    (_, d) =>
      new Promise<void>((done) => {
        const offset = (d * period) / docs;
        let k = 0;
        const tick = (): void => {
          const due = t0 + offset + k * period;
          if (due >= winEnd || !proc.alive) {
            done();
            return;
          }
          const t = fleet.write(d, (seq += 1));
          if (t >= winStart && t < winEnd) {
            sent += 1;
            lags.push(t - due);
          }
          k += 1;
          setTimeout(tick, Math.max(0, t0 + offset + k * period - performance.now()));
        };
        setTimeout(tick, Math.max(0, t0 + offset - performance.now()));
      }),
  );
  await Promise.all(writers);
  await sleep(Math.max(0, winEnd - performance.now()));
  const drainUntil = performance.now() + config.drainMs;
  while (samples.length < sent * receivers && performance.now() < drainUntil && proc.alive)
    await sleep(10);
  for (const timer of cpuTimers) clearTimeout(timer);
  fleet.setSink(() => undefined);
  const compactions1 = await scrapeCompactions(target.metricsUrl);

  loopDelay.disable();
  const windowMs = cpu1.at - cpu0.at;
  const serverCpuMs = cpu1.server - cpu0.server;
  const clientCpuMs =
    (cpu1.client.user - cpu0.client.user + cpu1.client.system - cpu0.client.system) / 1000;
  const foreignCpuMs = cpu1.machine - cpu0.machine - serverCpuMs - clientCpuMs;
  const latency = summarize(samples);
  const expected = sent * receivers;
  const errors = fleet.disconnects - disconnectsBefore + (proc.alive ? 0 : 1);
  const lagSummary = summarize(lags);
  const run = {
    server: target.spec.name,
    ratePerDoc,
    round,
    aggregateRate: ratePerDoc * docs,
    sent,
    expected,
    delivered: samples.length,
    latency,
    sendLagP99: lagSummary.p99,
    serverCpuPct: (100 * serverCpuMs) / windowMs,
    serverCpuUsPerUpdate: sent > 0 ? (serverCpuMs * 1000) / sent : Number.NaN,
    clientCpuPct: (100 * clientCpuMs) / windowMs,
    clientLoopDelayP99: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : Number.NaN,
    foreignCpuPct: Math.max(0, (100 * foreignCpuMs) / windowMs),
    compactions:
      compactions0 === null || compactions1 === null ? null : compactions1 - compactions0,
    errors,
    achievedRate: sent / config.measureS,
  };
  return { ...run, held: whyNotHeld(run, config.sloMs).length === 0 };
}

const rotate = <T>(items: readonly T[], by: number): T[] => {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
};

/** Held by most of its rounds, or this server stops climbing (and frees its clients' documents). */
function concludeStep(target: Target, runs: readonly RunResult[], rate: number): void {
  const step = stepOf(runs, target.spec.name, rate);
  const held = step?.held ?? false;
  progress(
    `  ${target.spec.name} at ${rate}/doc: ${step?.runs.filter((r) => r.held).length ?? 0}/` +
      `${step?.runs.length ?? 0} rounds held -> ${held ? 'held' : 'not held, stop'}`,
  );
  if (!held) {
    // So that its documents do not weigh on the other servers' clients' GC.
    target.stopped = true;
    target.fleet.close();
  }
}

/**
 * The rate ladder. Per rate, round after round, every server still climbing runs once; which goes
 * first rotates every round (not only every step), so drift on the machine hits all alike and
 * each round pairs runs made back to back at the same load. Servers, clients and documents
 * persist throughout.
 */
async function climb(targets: readonly Target[], config: Config): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  let turn = 0;
  for (const rate of config.rates) {
    const active = targets.filter((t) => !t.stopped);
    if (active.length === 0) break;
    for (let round = 1; round <= config.rounds; round += 1) {
      for (const target of rotate(active, turn)) {
        const run = await runStep(target, rate, round, config);
        logRun(target, run, config);
        runs.push(run);
        await sleep(300);
      }
      turn += 1;
    }
    for (const target of active) concludeStep(target, runs, rate);
  }
  return runs;
}

/**
 * Wall time if every server holds every step: each run's windows plus ~0.5 s (drain, metrics
 * scrapes, the pause between runs), plus ~20 s to start the servers and profile in-process.
 */
function estimatedSeconds(config: Config): number {
  const runs = config.servers.length * config.rates.length * config.rounds;
  return runs * (config.warmupS + config.measureS + 0.5) + 20;
}

/** Pre-encoded updates each light writer needs for the whole climb (every step, every round). */
function updatesPerDoc(config: Config): number {
  const perRound = config.rates.reduce(
    (sum, rate) => sum + Math.ceil(rate * (config.warmupS + config.measureS) * 1.05) + 5,
    0,
  );
  return perRound * config.rounds + 50;
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '?';
  } catch {
    return '?';
  }
}

async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}

/** `--render`: rewrite fanout.md from fanout.json (same numbers, current report layout). */
async function renderOnly(): Promise<void> {
  const saved = JSON.parse(readFileSync(join(RESULTS, 'fanout.json'), 'utf8')) as {
    profile?: ProfileResult | null;
  };
  const profile = saved.profile ?? null;
  const markdown =
    renderMarkdown(reportFromJson(saved), OURS) +
    (profile === null ? '' : `\n${renderProfile(profile)}`);
  await writeFormatted(join(RESULTS, 'fanout.md'), markdown);
  process.stdout.write(readFileSync(join(RESULTS, 'fanout.md'), 'utf8'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && argv[0] === '--render') {
    await renderOnly();
    return;
  }
  const config = readConfig(argv);
  const started = performance.now();
  progress(
    `${config.servers.length} servers × ${config.rates.length} rates × ${config.rounds} rounds of ` +
      `${config.warmupS} + ${config.measureS} s: about ${(estimatedSeconds(config) / 60).toFixed(0)} min ` +
      'if every server holds every step',
  );
  // On a shared machine, other work would otherwise preempt the servers and clients at random.
  // Set before any server starts, so every child process inherits the same priority.
  let priority = 'default';
  if (config.priority !== 0) {
    try {
      setPriority(config.priority);
      priority = `nice ${config.priority} for the benchmark and every server process`;
    } catch (error) {
      priority = `default (setPriority(${config.priority}) failed: ${error instanceof Error ? error.message : String(error)})`;
    }
  }
  // The stock WebsocketProvider adds a process 'exit' listener per instance.
  process.setMaxListeners(config.servers.length * config.docs * config.clientsPerDoc + 20);
  const tempDirs: string[] = [];
  const removeTempDirs = (): void => {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', removeTempDirs);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`received ${signal}: killing servers, removing temp dirs`);
      process.exit(130); // the 'exit' handlers kill children and remove temp dirs
    });
  }

  const docNames = Array.from({ length: config.docs }, (_, i) => `board/b${i}/2026-11-22`);
  const targets: Target[] = [];
  const failures: { server: string; error: string }[] = [];
  let runs: RunResult[] = [];
  let profile: ProfileResult | null = null;
  try {
    for (const spec of SPECS.filter((s) => config.servers.includes(s.name))) {
      progress(`starting ${spec.name}…`);
      let proc: ServerProcess | undefined;
      try {
        const started = await spec.start((dir) => tempDirs.push(dir));
        proc = started.proc;
        const { token } = started;
        const fleet: LoadFleet =
          config.load === 'light'
            ? await LightFleet.connect({
                docs: config.docs,
                clientsPerDoc: config.clientsPerDoc,
                updatesPerDoc: updatesPerDoc(config),
                url: (d, c) =>
                  `${started.url}/${docNames[d] ?? ''}` +
                  (token === undefined ? '' : `?token=${token(d, c)}`),
              })
            : await Fleet.connect({
                kind: spec.kind,
                url: started.url,
                docNames,
                clientsPerDoc: config.clientsPerDoc,
                ...(token === undefined ? {} : { token }),
                connectTimeoutMs: 30_000,
              });
        targets.push({
          spec,
          proc,
          fleet,
          stopped: false,
          ...(started.metricsUrl === undefined ? {} : { metricsUrl: started.metricsUrl }),
        });
        progress(
          `  ${spec.name}: pid ${proc.pid}, port ${proc.port}, ${config.docs * config.clientsPerDoc} clients synced`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ server: spec.name, error: message });
        progress(`  ${spec.name} FAILED: ${message}${proc ? `\n${proc.stderr}` : ''}`);
        await proc?.stop();
      }
    }
    await sleep(500);

    runs = await climb(targets, config);
  } finally {
    for (const t of targets) t.fleet.close();
    await Promise.all(targets.map((t) => t.proc.stop()));
    removeTempDirs();
  }

  if (config.servers.includes(OURS)) {
    progress('profiling the fleetdesk update path in-process…');
    profile = await profileFleetdeskUpdatePath({ updates: 5000 });
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const report: Report = {
    config: {
      docs: config.docs,
      clientsPerDoc: config.clientsPerDoc,
      rates: config.rates,
      rounds: config.rounds,
      warmupS: config.warmupS,
      measureS: config.measureS,
      sloMs: config.sloMs,
      maxForeignPct: config.maxForeignPct,
      load: config.load,
    },
    environment: {
      node: process.version,
      cpu: `${cpus()[0]?.model ?? '?'} × ${cpus().length}`,
      kernel: release(),
      priority,
      yjs: packageVersion('yjs'),
      'y-websocket (client)': packageVersion('y-websocket'),
      '@y/websocket-server': packageVersion('@y/websocket-server'),
      '@hocuspocus/server': packageVersion('@hocuspocus/server'),
      '@hocuspocus/provider': packageVersion('@hocuspocus/provider'),
      '@hocuspocus/extension-sqlite': packageVersion('@hocuspocus/extension-sqlite'),
      'y-leveldb': packageVersion('y-leveldb'),
      ws: packageVersion('ws'),
    },
    servers: SPECS.filter((s) => config.servers.includes(s.name)).map((s) => ({
      name: s.name,
      description: s.description,
    })),
    failures,
    runs,
    wallSeconds,
    command: ['npm run bench:fanout', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  };
  const markdown =
    renderMarkdown(report, OURS) + (profile === null ? '' : `\n${renderProfile(profile)}`);
  mkdirSync(RESULTS, { recursive: true });
  const base = config.load === 'light' ? 'fanout-light' : 'fanout';
  await writeFormatted(join(RESULTS, `${base}.md`), markdown);
  await writeFormatted(
    join(RESULTS, `${base}.json`),
    JSON.stringify({ ...report, profile }, null, 2),
  );
  process.stdout.write(readFileSync(join(RESULTS, `${base}.md`), 'utf8'));
  progress(`wrote bench/results/${base}.md and ${base}.json (${wallSeconds.toFixed(0)} s)`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

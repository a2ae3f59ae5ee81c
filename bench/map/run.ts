/**
 * Fleet-map benchmark: main-thread cost per telemetry batch in headless Chromium, for the
 * real fleet map (renderer/src/features/fleet: createFleetMap + DroneLayer + DroneOverlay),
 * against the peer on the same map, same browser, same run: a clustered GeoJSON source fed
 * with `setData` of every drone per batch (what the map did before, and maplibre's usual way).
 *
 *   npm run bench:map
 *   env: BENCH_MAP_SIZES=2000,10000  BENCH_MAP_BATCHES=20  BENCH_MAP_WARMUP=3
 *        BENCH_MAP_ZOOM=11  BENCH_MAP_GAP_MS=100  BENCH_MAP_ROUNDS=2  BENCH_MAP_FLOOR=1
 *        BENCH_MAP_MODES=naive,app
 *        BENCH_MAP_GL=disable-gpu (or gpu-process, or both)  CHROMIUM_PATH=/usr/bin/chromium
 *
 * How: vite builds bench/map/page (which imports the real fleet map) into a temp dir, a
 * node:http server serves it on 127.0.0.1, and Chromium opens a fresh page per (drones,
 * mode, round). The page loads the fleet, warms up, then pushes one batch per task in which
 * every drone moves (1 Hz telemetry: all drones report every second; the 'floor' row sends
 * one drone per batch, to show the fixed cost of any update). Per batch the page times
 * the synchronous applyFixes + flush, the push until maplibre has posted it to its worker
 * (naive only: the app's drone layer never goes through the worker), and the time until the
 * map is idle again. The headline is CDP `Performance.getMetrics`
 * TaskDuration in thread ticks, i.e. the CPU time of the page's main thread in every task
 * (the push, maplibre handling its worker's replies, tile reloads, rendering, GC) across the
 * measured batches, divided by their number. CPU time, so that neither the other processes
 * on this shared 2-core machine nor waiting on SwiftShader (software WebGL in the GPU
 * process: there is no GPU here) count as cost; the same in wall-clock ticks is reported next
 * to it. maplibre's worker threads are in neither.
 *
 * GL set-ups (BENCH_MAP_GL, one browser each): 'disable-gpu' (default) is the launch flags
 * the benchmark was specified with; with software compositing Chromium reads every WebGL frame back for
 * the compositor and the main thread waits for that in wall time. 'gpu-process' drops
 * `--disable-gpu` for `--use-angle=swiftshader` (as e2e/support/stack.ts does): compositing
 * in the GPU process too, no readback.
 *
 * Writes bench/results/map.md and map.json (Markdown also to stdout; progress to stderr).
 * Exits non-zero when the run fails (page error, a map that never goes idle, wrong
 * positions in the map's data); missing a goal is reported, not a failure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { build } from 'vite';
import { fmt, machineLine, percentile, writeResult } from '../core/bench-util';
import type {
  BatchSample,
  BenchGlobal,
  PushMode,
  SetupInfo,
  SetupOptions,
  VerifyResult,
} from './protocol';

const PAGE_DIR = join(import.meta.dirname, 'page');
const WIDTH = 1280;
const HEIGHT = 800;
const BERLIN = { lat: 52.52, lng: 13.405 };
const RADIUS_M = 15_000;
const CLUSTER_MAX_ZOOM = 12; // renderer/src/features/fleet/fleet-map.ts
const GOAL_RATIO = 5;
const GOAL_MS_AT_2000 = 8;

const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const GL_PROFILES = {
  'disable-gpu': {
    args: ['--disable-gpu'],
    what: 'WebGL on SwiftShader in the GPU process with software compositing, so Chromium reads every WebGL frame back for the compositor ("GPU stall due to ReadPixels") and the main thread waits for it: that wait is in the wall-clock column, not in the CPU one.',
  },
  'gpu-process': {
    args: ['--use-angle=swiftshader'],
    what: 'WebGL and compositing both in the GPU process on SwiftShader (`--use-angle=swiftshader` instead of `--disable-gpu`, as in e2e/support/stack.ts): no frame readback, closer to a desktop with a GPU.',
  },
} as const;
type GlProfile = keyof typeof GL_PROFILES;
const isGlProfile = (s: string): s is GlProfile => Object.hasOwn(GL_PROFILES, s);

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const num = (name: string, fallback: number): number => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0`);
  return v;
};
const list = (name: string, fallback: string): string[] =>
  env(name, fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const MODES_ALL: readonly PushMode[] = ['naive', 'app'];
const config = {
  sizes: list('BENCH_MAP_SIZES', '2000,10000')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0),
  modes: list('BENCH_MAP_MODES', MODES_ALL.join(',')).filter((m): m is PushMode =>
    (MODES_ALL as readonly string[]).includes(m),
  ),
  gl: list('BENCH_MAP_GL', 'disable-gpu').filter(isGlProfile),
  batches: Math.max(1, Math.round(num('BENCH_MAP_BATCHES', 20))),
  warmup: Math.round(num('BENCH_MAP_WARMUP', 3)),
  zoom: num('BENCH_MAP_ZOOM', 11),
  gapMs: num('BENCH_MAP_GAP_MS', 100),
  /** Fresh pages per row; their batches are pooled. */
  rounds: Math.max(1, Math.round(num('BENCH_MAP_ROUNDS', 2))),
  /** Also run 'app' with a single drone reporting per batch: the cost of any map update. */
  floor: env('BENCH_MAP_FLOOR', '1') !== '0',
  idleTimeoutMs: 15_000,
  chromium: env('CHROMIUM_PATH', '/usr/bin/chromium'),
};
if (!config.modes.includes('naive') || !config.modes.includes('app'))
  throw new Error('BENCH_MAP_MODES must include naive and app (the ratio needs both)');
if (config.sizes.length === 0) throw new Error('BENCH_MAP_SIZES has no drone count');
if (config.gl.length === 0)
  throw new Error(`BENCH_MAP_GL must name one of ${Object.keys(GL_PROFILES).join(', ')}`);

const log = (msg: string) => process.stderr.write(`[bench:map] ${msg}\n`);

interface Stats {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}
const stats = (xs: readonly number[]): Stats => {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] ?? NaN,
  };
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Row {
  readonly gl: GlProfile;
  readonly drones: number;
  readonly mode: PushMode;
  /** Drones reporting in each batch (all, except in the floor row). */
  readonly reporting: number;
}

/** One fresh page's measured batches. */
interface Round {
  readonly samples: readonly BatchSample[];
  /** Main-thread TaskDuration over the batches: thread ticks (CPU) and wall-clock ticks. */
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly windowMs: number;
  /** Main-thread task CPU per second on the same page with no batches, before them. */
  readonly idleCpuMsPerS: number;
  readonly setup: SetupInfo;
  readonly verify: VerifyResult;
}

interface RunResult extends Row {
  readonly batches: number;
  /** Headline: CDP TaskDuration (thread ticks) over all measured batches / batches. */
  readonly mainThreadMsPerBatch: number;
  /** The same in wall-clock ticks: main-thread tasks' duration, waits included. */
  readonly mainThreadWallMsPerBatch: number;
  readonly rounds: readonly {
    readonly mainThreadMsPerBatch: number;
    readonly mainThreadWallMsPerBatch: number;
    readonly idleMainThreadMsPerS: number;
    readonly windowMs: number;
  }[];
  readonly syncPushMs: Stats;
  readonly pushMs: Stats;
  readonly timeToIdleMs: Stats;
  readonly sentPerBatch: number;
  readonly framesPerBatch: number;
  readonly setup: SetupInfo;
  readonly verify: VerifyResult;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** A static server for the built page on 127.0.0.1 (port chosen by the OS). */
async function serve(dir: string): Promise<Served> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no server address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * The page's main-thread TaskDuration, twice: one CDP session counts thread ticks (CPU time
 * of the thread), another wall-clock ticks (which also counts the thread waiting inside a
 * task, e.g. on the GPU process, or for a CPU on this shared machine).
 */
class TaskClock {
  private constructor(
    private readonly cpu: CDPSession,
    private readonly wall: CDPSession,
  ) {}

  static async attach(context: BrowserContext, page: Page): Promise<TaskClock> {
    const cpu = await context.newCDPSession(page);
    await cpu.send('Performance.enable', { timeDomain: 'threadTicks' });
    const wall = await context.newCDPSession(page);
    await wall.send('Performance.enable', { timeDomain: 'timeTicks' });
    return new TaskClock(cpu, wall);
  }

  async read(): Promise<{ cpuMs: number; wallMs: number; at: number }> {
    const [cpuMs, wallMs] = await Promise.all([taskMs(this.cpu), taskMs(this.wall)]);
    return { cpuMs, wallMs, at: performance.now() };
  }

  async detach(): Promise<void> {
    await Promise.all([this.cpu.detach(), this.wall.detach()]);
  }
}

async function taskMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const task = metrics.find((m) => m.name === 'TaskDuration');
  if (!task) throw new Error('CDP metric TaskDuration missing');
  return task.value * 1000;
}

/** One (drones, mode) row, on a fresh page that is closed afterwards. */
async function measure(
  context: BrowserContext,
  url: string,
  { gl, drones, mode, reporting }: Row,
): Promise<Round> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('crash', () => problems.push('page crashed'));
  try {
    await page.goto(url);
    await page.waitForFunction(() => 'fleetBench' in globalThis);
    const clock = await TaskClock.attach(context, page);
    const options: SetupOptions = {
      mode,
      drones,
      reporting,
      batches: config.batches,
      warmup: config.warmup,
      zoom: config.zoom,
      width: WIDTH,
      height: HEIGHT,
      center: BERLIN,
      radiusM: RADIUS_M,
      seed: 0x5eed + drones,
      idleTimeoutMs: config.idleTimeoutMs,
    };
    const setup = await page.evaluate(
      (o) => (globalThis as unknown as BenchGlobal).fleetBench.setup(o),
      options,
    );

    const idle0 = await clock.read();
    await page.evaluate((ms) => (globalThis as unknown as BenchGlobal).fleetBench.sleep(ms), 1000);
    const idle1 = await clock.read();

    const m0 = await clock.read();
    const samples: BatchSample[] = await page.evaluate(
      (gap) => (globalThis as unknown as BenchGlobal).fleetBench.runBatches(gap),
      config.gapMs,
    );
    const m1 = await clock.read();
    const verify = await page.evaluate(() =>
      (globalThis as unknown as BenchGlobal).fleetBench.verify(),
    );
    await clock.detach();

    const timeouts = samples.filter((s) => s.timedOut).length;
    if (timeouts > 0) problems.push(`${timeouts} batches never reached map idle`);
    if (samples.length !== config.batches)
      problems.push(`ran ${samples.length} batches, expected ${config.batches}`);
    if (samples.some((s) => s.sent === 0)) problems.push('a batch sent nothing to the map');
    const unposted = mode === 'naive' ? samples.filter((s) => !s.posted).length : 0;
    if (unposted > 0)
      problems.push(`${unposted} pushes did not reach maplibre's worker within their own task`);
    if (verify.wrongPositions > 0)
      problems.push(
        `${verify.wrongPositions} of ${verify.checkedPositions} drones not at their last fix in the source`,
      );
    if (problems.length > 0)
      throw new Error(
        `${gl}, ${drones} drones (${reporting} reporting), ${mode}:\n  ${problems.join('\n  ')}`,
      );

    return {
      samples,
      cpuMs: m1.cpuMs - m0.cpuMs,
      wallMs: m1.wallMs - m0.wallMs,
      windowMs: m1.at - m0.at,
      idleCpuMsPerS: ((idle1.cpuMs - idle0.cpuMs) / (idle1.at - idle0.at)) * 1000,
      setup,
      verify,
    };
  } finally {
    await page.close();
  }
}

/** A row over all its rounds: task time summed over every measured batch, samples pooled. */
function summarize(row: Row, rounds: readonly Round[]): RunResult {
  const first = rounds[0];
  const last = rounds[rounds.length - 1];
  if (!first || !last) throw new Error('a row without rounds');
  const samples = rounds.flatMap((r) => r.samples);
  const sum = (f: (r: Round) => number) => rounds.reduce((a, r) => a + f(r), 0);
  return {
    ...row,
    batches: samples.length,
    mainThreadMsPerBatch: sum((r) => r.cpuMs) / samples.length,
    mainThreadWallMsPerBatch: sum((r) => r.wallMs) / samples.length,
    rounds: rounds.map((r) => ({
      mainThreadMsPerBatch: r.cpuMs / r.samples.length,
      mainThreadWallMsPerBatch: r.wallMs / r.samples.length,
      idleMainThreadMsPerS: r.idleCpuMsPerS,
      windowMs: r.windowMs,
    })),
    syncPushMs: stats(samples.map((s) => s.syncMs)),
    pushMs: stats(samples.map((s) => s.pushMs)),
    timeToIdleMs: stats(samples.map((s) => s.idleMs)),
    sentPerBatch: mean(samples.map((s) => s.sent)),
    framesPerBatch: mean(samples.map((s) => s.frames)),
    setup: first.setup,
    verify: last.verify,
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const MODE_NOTE: Record<PushMode, string> = {
  naive: 'naive setData, clustered GeoJSON source (peer)',
  app: 'app: DroneLayer + WebGL drone overlay',
};

function render(results: readonly RunResult[], meta: { load: string; cores: number }): string {
  const find = (gl: GlProfile, n: number, mode: PushMode) =>
    results.find((r) => r.gl === gl && r.drones === n && r.mode === mode && r.reporting === n);
  const label = (r: RunResult) =>
    r.reporting === r.drones
      ? MODE_NOTE[r.mode]
      : `${r.mode}, only ${count(r.reporting)} drone${r.reporting === 1 ? '' : 's'} reporting (floor)`;
  const ratioOf = (r: RunResult) => {
    const naive = find(r.gl, r.drones, 'naive');
    return naive ? naive.mainThreadMsPerBatch / r.mainThreadMsPerBatch : NaN;
  };
  const first = results[0];
  const chrome = /(?:Headless)?Chrome\/[\d.]+/.exec(first?.setup.userAgent ?? '')?.[0] ?? '?';
  const lines: string[] = [
    '# Fleet map: main-thread cost per telemetry batch',
    '',
    `${machineLine()} ${meta.cores} cores (shared), load average ${meta.load} at start.`,
    `${chrome}, WebGL on ${first?.setup.webglRenderer ?? '?'} (software: no GPU here), ${WIDTH}×${HEIGHT} CSS px at device pixel ratio ${first?.setup.devicePixelRatio ?? '?'}.`,
    `The real \`createFleetMap\` (offline style, drone source clustered up to zoom ${CLUSTER_MAX_ZOOM}) and \`DroneLayer\`, centred on Berlin at zoom ${config.zoom} (the view spans ${fmt(first?.setup.viewKm.width ?? NaN)} × ${fmt(first?.setup.viewKm.height ?? NaN)} km)` +
      (config.zoom <= CLUSTER_MAX_ZOOM
        ? ': a clustered view, with some single drones (counts below).'
        : ': an unclustered view.'),
    `${count(config.sizes[0] ?? 0)}${config.sizes.length > 1 ? ` and ${config.sizes.slice(1).map(count).join(', ')}` : ''} drones spread over a ${RADIUS_M / 1000} km radius, 80 % in flight at 8–20 m/s, the rest parked; every batch carries a fix from every drone (1 Hz telemetry: all drones report each second).`,
    `Per row ${config.rounds} round${config.rounds === 1 ? '' : 's'} (fresh page each, rows in alternating order) of ${config.batches} measured batches after ${config.warmup} warm-up, ${config.gapMs} ms apart, each batch in its own task; all rows in one browser.`,
    '',
  ];
  for (const gl of config.gl) {
    lines.push(
      ...(config.gl.length > 1 ? [`## ${gl}`, ''] : []),
      `Chromium flags \`${[...BASE_ARGS, ...GL_PROFILES[gl].args].join(' ')}\`: ${GL_PROFILES[gl].what}`,
      '',
      '| drones | mode | main-thread CPU ms / batch (per round) | main-thread wall ms / batch | sync push p50 / p95 ms | push to worker p50 / p95 ms | time to idle p50 / p95 ms | frames / batch | naive ÷ mode (CPU) |',
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of results.filter((x) => x.gl === gl)) {
      lines.push(
        `| ${count(r.drones)} | ${label(r)} | ${fmt(r.mainThreadMsPerBatch)} (${r.rounds.map((x) => fmt(x.mainThreadMsPerBatch)).join(', ')}) | ${fmt(r.mainThreadWallMsPerBatch)} | ${fmt(r.syncPushMs.p50, 2)} / ${fmt(r.syncPushMs.p95, 2)} | ${fmt(r.pushMs.p50)} / ${fmt(r.pushMs.p95)} | ${fmt(r.timeToIdleMs.p50)} / ${fmt(r.timeToIdleMs.p95)} | ${fmt(r.framesPerBatch)} | ${fmt(ratioOf(r), 2)} |`,
      );
    }
    const idle = results
      .filter((x) => x.gl === gl)
      .flatMap((r) => r.rounds.map((x) => x.idleMainThreadMsPerS))
      .sort((a, b) => a - b);
    lines.push(
      '',
      `Main-thread task CPU in 1 s without batches on the same pages, just before them: median ${fmt(percentile(idle, 50), 1)} ms, ${fmt(idle[0] ?? NaN, 1)}–${fmt(idle[idle.length - 1] ?? NaN, 1)} ms (leftovers of loading and warm-up; not subtracted).`,
      '',
    );
  }

  lines.push(
    'main-thread CPU ms / batch (the headline): CDP `Performance.getMetrics` TaskDuration in thread ticks over the measured batches ÷ batches, i.e. the CPU time of every task on the page’s main thread (the push, maplibre handling its worker’s replies, tile reloads, rendering, GC); maplibre’s worker threads are not in it. main-thread wall ms / batch: the same TaskDuration in wall-clock ticks, which adds the time the main thread waited inside its tasks (for SwiftShader’s frames, or for a CPU on this shared machine).',
    ...(config.floor
      ? [
          'The floor row runs the app’s push with a single drone in each batch: what any redraw costs the main thread (the drone layer re-clusters the whole fleet and uploads it, and the map renders one frame), whatever the batch size.',
        ]
      : []),
    'The other columns are wall-clock times taken in the page. sync push: `applyFixes` + `flush()`. push to worker (naive only): from the push until maplibre, in the microtasks that follow, has serialized the data on the main thread and posted it to its worker. time to idle: from the push to the map’s next `idle` event.',
  );
  const rendered = config.sizes
    .map((n) => find(config.gl[0] ?? 'disable-gpu', n, 'app'))
    .filter((r): r is RunResult => r !== undefined)
    .map(
      (r) =>
        `${count(r.drones)} drones: ${r.verify.rendered.clusters} clusters holding ${count(r.verify.rendered.clusteredDrones)} drones, ${count(r.verify.rendered.singles)} single drones`,
    );
  lines.push(`On screen after the run (app rows): ${rendered.join('; ')}.`, '');

  lines.push(
    `Goals (main-thread CPU): the app’s push at least ${GOAL_RATIO}× cheaper than naive, and under ${GOAL_MS_AT_2000} ms per batch at 2,000 drones.`,
  );
  for (const gl of config.gl) {
    for (const n of config.sizes) {
      const update = find(gl, n, 'app');
      const naive = find(gl, n, 'naive');
      if (!update || !naive) continue;
      const ratio = ratioOf(update);
      const within =
        n === 2000
          ? `; ${fmt(update.mainThreadMsPerBatch)} ms per batch, goal < ${GOAL_MS_AT_2000} ms ${update.mainThreadMsPerBatch < GOAL_MS_AT_2000 ? 'met' : 'NOT met'}`
          : '';
      const floor = results.find(
        (r) => r.gl === gl && r.drones === n && r.mode === 'app' && r.reporting < n,
      );
      const floorNote = floor
        ? ` An update of ${count(floor.reporting)} drone costs ${fmt(floor.mainThreadMsPerBatch)} ms here, so ${fmt(naive.mainThreadMsPerBatch / floor.mainThreadMsPerBatch, 2)}× is what a batch of one drone reaches.`
        : '';
      lines.push(
        `- ${config.gl.length > 1 ? `${gl}, ` : ''}${count(n)} drones: naive ÷ app = ${fmt(ratio, 2)}× (${fmt(naive.mainThreadMsPerBatch)} vs ${fmt(update.mainThreadMsPerBatch)} ms), goal ≥ ${GOAL_RATIO}× ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}${within}.${floorNote}`,
      );
    }
  }
  lines.push(
    '',
    'Command: `npm run bench:map` (BENCH_MAP_SIZES, BENCH_MAP_BATCHES, BENCH_MAP_WARMUP, BENCH_MAP_ZOOM, BENCH_MAP_GAP_MS, BENCH_MAP_ROUNDS, BENCH_MAP_MODES, BENCH_MAP_FLOOR, BENCH_MAP_GL to change the run).',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const temp: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temp.push(dir);
    return dir;
  };
  let server: Served | null = null;
  let context: BrowserContext | null = null;
  try {
    const outDir = tempDir('fleetdesk-bench-map-page-');
    log('building the bench page with vite');
    await build({
      root: PAGE_DIR,
      base: './',
      configFile: false,
      logLevel: 'warn',
      cacheDir: join(outDir, '.vite-cache'),
      build: {
        outDir: join(outDir, 'dist'),
        emptyOutDir: true,
        chunkSizeWarningLimit: 4000,
        reportCompressedSize: false,
      },
    });
    server = await serve(join(outDir, 'dist'));
    log(`serving ${server.url}`);

    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const results: RunResult[] = [];
    for (const gl of config.gl) {
      context = await chromium.launchPersistentContext(tempDir('fleetdesk-bench-map-chromium-'), {
        executablePath: config.chromium,
        headless: true,
        args: [...BASE_ARGS, ...GL_PROFILES[gl].args],
        viewport: { width: WIDTH, height: HEIGHT },
        deviceScaleFactor: 1,
      });
      for (const p of context.pages()) await p.close();
      for (const drones of config.sizes) {
        const rows: Row[] = config.modes.map((mode) => ({ gl, drones, mode, reporting: drones }));
        if (config.floor) rows.push({ gl, drones, mode: 'app', reporting: 1 });
        const rounds = rows.map((): Round[] => []);
        // Rounds alternate the order of the rows, so drift on the machine hits them alike.
        for (let round = 0; round < config.rounds; round += 1) {
          const order = rows.map((_, i) => i);
          if (round % 2 === 1) order.reverse();
          for (const i of order) {
            const row = rows[i];
            const done = rounds[i];
            if (!row || !done) continue;
            log(
              `${gl}, ${drones} drones (${row.reporting} reporting), ${row.mode}, round ${round + 1}/${config.rounds}: ${config.warmup} warm-up + ${config.batches} batches`,
            );
            const r = await measure(context, server.url, row);
            log(
              `  ${fmt(r.cpuMs / r.samples.length)} ms main-thread CPU per batch, push p50 ${fmt(
                percentile(
                  [...r.samples.map((x) => x.pushMs)].sort((a, b) => a - b),
                  50,
                ),
              )} ms`,
            );
            done.push(r);
          }
        }
        rows.forEach((row, i) => results.push(summarize(row, rounds[i] ?? [])));
      }
      await context.close();
      context = null;
    }

    const md = render(results, { load, cores: cpus().length });
    writeResult('map', md, {
      measuredAt: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      cores: cpus().length,
      loadAverageAtStart: load,
      config: {
        ...config,
        width: WIDTH,
        height: HEIGHT,
        center: BERLIN,
        radiusM: RADIUS_M,
        clusterMaxZoom: CLUSTER_MAX_ZOOM,
        chromiumArgs: Object.fromEntries(
          config.gl.map((gl) => [gl, [...BASE_ARGS, ...GL_PROFILES[gl].args]]),
        ),
      },
      goals: { ratioAtLeast: GOAL_RATIO, msPerBatchAt2000Below: GOAL_MS_AT_2000 },
      results,
    });
  } finally {
    await context?.close();
    await server?.close();
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
}

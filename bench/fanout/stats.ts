/** Latency statistics, how rounds of a step add up, and the Markdown report. Pure functions; no I/O. */

/** Nearest-rank percentile of an ascending-sorted array (`q` in 0..1); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  return {
    count: arr.length,
    p50: percentile(arr, 0.5),
    p90: percentile(arr, 0.9),
    p99: percentile(arr, 0.99),
    max: arr.length > 0 ? (arr[arr.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');
const pct = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(0)}%` : '–');
const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** One measured window: one server at one load step, in one round. */
export interface RunResult {
  readonly server: string;
  readonly ratePerDoc: number;
  /** Which of the step's measurements of this server this was, from 1. */
  readonly round: number;
  /** Updates per second across all documents (D x rate). */
  readonly aggregateRate: number;
  /** Updates sent inside the measurement window. */
  readonly sent: number;
  /** sent / window length: below the target rate when the load generator fell behind. */
  readonly achievedRate: number;
  /** sent x (C - 1): every other client of the document should receive each one. */
  readonly expected: number;
  /** Receipts of in-window updates, by the end of the drain period. */
  readonly delivered: number;
  readonly latency: LatencySummary;
  /** p99 of (actual send time - scheduled send time): > a few ms means the load generator lagged. */
  readonly sendLagP99: number;
  /** Server process CPU over the window, % of one core. */
  readonly serverCpuPct: number;
  /** Server CPU time per accepted update, µs. */
  readonly serverCpuUsPerUpdate: number;
  /** Benchmark (client) process CPU over the window, % of one core. */
  readonly clientCpuPct: number;
  /** p99 event-loop delay of the client process over the window, ms. */
  readonly clientLoopDelayP99: number;
  /**
   * CPU used over the window by processes other than the server and the clients (e.g. other
   * work on a shared machine), % of one core. High values mean the run was disturbed.
   */
  readonly foreignCpuPct: number;
  /** Update-log compactions the server did during the run incl. warm-up (ours only; else null). */
  readonly compactions: number | null;
  /** Connection drops/errors during the run, or the server process dying. */
  readonly errors: number;
  /** Nothing in `whyNotHeld`: p99 under the SLO, all delivered, no errors, target rate achieved. */
  readonly held: boolean;
}

/** Below this share of the target rate, the load generator (not the server) was the limit. */
const MIN_ACHIEVED_SHARE = 0.95;

export const generatorBehind = (run: Pick<RunResult, 'achievedRate' | 'aggregateRate'>): boolean =>
  run.achievedRate < MIN_ACHIEVED_SHARE * run.aggregateRate;

const deliveredPct = (run: Pick<RunResult, 'delivered' | 'expected'>): string =>
  ((100 * run.delivered) / Math.max(1, run.expected)).toFixed(2);

/**
 * Why one run does not count as held; empty when it does. The one definition of a held run: the
 * benchmark sets `held` from it, the report explains a failed step with it.
 */
export function whyNotHeld(run: Omit<RunResult, 'held'>, sloMs: number): string[] {
  const reasons: string[] = [];
  // Written as `!(p99 < slo)` so that a run with no samples (p99 NaN) fails too.
  if (!(run.latency.p99 < sloMs)) reasons.push(`p99 ${ms(run.latency.p99)} ms`);
  if (run.delivered < run.expected) reasons.push(`delivered ${deliveredPct(run)}%`);
  if (run.errors > 0) reasons.push(`errors ${run.errors}`);
  // A load generator that fell behind does not count: the SLO must be met at the target rate.
  if (generatorBehind(run))
    reasons.push(`sent ${run.achievedRate.toFixed(0)}/s (load generator fell behind)`);
  return reasons;
}

/**
 * Median, the mean of the middle two for an even count; values that are not finite (the p99 of a
 * run with no samples) are left out. NaN when nothing is left.
 */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * A step holds when more than half of its rounds held, so one window disturbed by the machine
 * neither makes nor breaks it. With an even number of rounds, a tie is not held.
 */
export const heldByMajority = (runs: readonly Pick<RunResult, 'held'>[]): boolean =>
  2 * runs.filter((r) => r.held).length > runs.length;

/**
 * In how many rounds `ours` had a p99 ≤ the peer's in the same round, out of the rounds both have
 * a p99 for. Rounds pair up because both servers ran in the same pass over the servers at the
 * same rate (seconds apart), so drift on the machine between rounds cancels out of the comparison.
 */
export function pairedWins(
  ours: readonly RunResult[],
  peer: readonly RunResult[],
): { wins: number; paired: number } {
  let wins = 0;
  let paired = 0;
  for (const mine of ours) {
    const theirs = peer.find((p) => p.round === mine.round)?.latency.p99 ?? Number.NaN;
    if (!Number.isFinite(mine.latency.p99) || !Number.isFinite(theirs)) continue;
    paired += 1;
    if (mine.latency.p99 <= theirs) wins += 1;
  }
  return { wins, paired };
}

/** Every round of one server at one rate, and what the report says about the step from them. */
export interface StepSummary {
  readonly server: string;
  readonly ratePerDoc: number;
  readonly aggregateRate: number;
  /** In round order; never empty. */
  readonly runs: readonly RunResult[];
  readonly p99Median: number;
  readonly p99Min: number;
  readonly p99Max: number;
  readonly p50Median: number;
  readonly held: boolean;
}

/** The step of `server` at `ratePerDoc`; undefined when it was not measured there. */
export function stepOf(
  runs: readonly RunResult[],
  server: string,
  ratePerDoc: number,
): StepSummary | undefined {
  const mine = runs
    .filter((r) => r.server === server && r.ratePerDoc === ratePerDoc)
    .sort((a, b) => a.round - b.round);
  const first = mine[0];
  if (first === undefined) return undefined;
  const p99s = mine.map((r) => r.latency.p99).filter((v) => Number.isFinite(v));
  return {
    server,
    ratePerDoc,
    aggregateRate: first.aggregateRate,
    runs: mine,
    p99Median: median(p99s),
    p99Min: p99s.length > 0 ? Math.min(...p99s) : Number.NaN,
    p99Max: p99s.length > 0 ? Math.max(...p99s) : Number.NaN,
    p50Median: median(mine.map((r) => r.latency.p50)),
    held: heldByMajority(mine),
  };
}

/** The rates measured (by any server), ascending. */
const ratesOf = (runs: readonly RunResult[]): number[] =>
  [...new Set(runs.map((r) => r.ratePerDoc))].sort((a, b) => a - b);

export interface ServerInfo {
  readonly name: string;
  readonly description: string;
}

export interface Report {
  readonly config: {
    readonly docs: number;
    readonly clientsPerDoc: number;
    readonly rates: readonly number[];
    readonly rounds: number;
    readonly warmupS: number;
    readonly measureS: number;
    readonly sloMs: number;
    readonly maxForeignPct: number;
    /** Absent in reports from before the option: stock providers. */
    readonly load?: 'stock' | 'light';
  };
  readonly environment: Readonly<Record<string, string>>;
  readonly servers: readonly ServerInfo[];
  /** Servers that could not be started or connected, with why. */
  readonly failures: readonly { readonly server: string; readonly error: string }[];
  /** Every measured window, in the order they ran. */
  readonly runs: readonly RunResult[];
  readonly wallSeconds: number;
  readonly command: string;
  /** Set when the report was converted from an older fanout.json layout: what that means. */
  readonly converted?: string;
}

/** fanout.json as written before --rounds: one run per step, a failed one re-run once. */
interface LegacyReport extends Omit<Report, 'config' | 'runs' | 'converted'> {
  readonly config: Omit<Report['config'], 'rounds'>;
  readonly steps: readonly (Omit<RunResult, 'round'> & { readonly superseded?: boolean })[];
}

/**
 * Old layout to current: every run is round 1. Under the old rule a failed first run was re-run
 * once and only the re-run counted, so the superseded first runs are left out (and named).
 */
function fromLegacy(legacy: LegacyReport): Report {
  const { steps, ...rest } = legacy;
  const dropped = steps.filter((s) => s.superseded === true);
  const names = dropped.map(
    (s) => `${s.server} at ${s.ratePerDoc}/doc, p99 ${ms(s.latency.p99)} ms`,
  );
  return {
    ...rest,
    config: { ...legacy.config, rounds: 1 },
    runs: steps
      .filter((s) => s.superseded !== true)
      .map(({ superseded: _superseded, ...run }) => ({ ...run, round: 1 })),
    converted:
      'measured before `--rounds` existed: one round per step, so a median is a single run and ' +
      'a "wins" count is out of 1' +
      (dropped.length === 0
        ? '.'
        : `; left out: ${count(dropped.length, 'failed first run')} that the old rule re-ran, ` +
          `counting only the re-run (${names.join('; ')}).`),
  };
}

/** A parsed fanout.json, of the current layout or of the one before --rounds. */
export function reportFromJson(saved: unknown): Report {
  if (typeof saved === 'object' && saved !== null) {
    if ('runs' in saved) return saved as Report;
    if ('steps' in saved) return fromLegacy(saved as LegacyReport);
  }
  throw new Error(
    'fanout.json has neither "runs" (current layout) nor "steps" (layout before --rounds)',
  );
}

const share = (runs: readonly RunResult[], test: (run: RunResult) => boolean): string =>
  `${runs.filter(test).length}/${runs.length}`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Highest aggregate rate (updates/s) a server held, and the step it stopped at, if any. */
export function highestHeld(
  runs: readonly RunResult[],
  server: string,
): { rate: number | null; limitedBy: StepSummary | null } {
  let rate: number | null = null;
  for (const ratePerDoc of ratesOf(runs)) {
    const step = stepOf(runs, server, ratePerDoc);
    if (step === undefined) break;
    if (!step.held) return { rate, limitedBy: step };
    rate = step.aggregateRate;
  }
  return { rate, limitedBy: null };
}

function intro(report: Report, ours: string): string[] {
  const { config } = report;
  const perRun = config.warmupS + config.measureS;
  return [
    '# Sync-server fan-out benchmark',
    '',
    `${config.docs} documents × ${config.clientsPerDoc} clients (${config.docs * config.clientsPerDoc} sockets per server), ` +
      `one writer per document, ${config.clientsPerDoc - 1} receivers each. Each (server, rate) step is measured in ` +
      `${count(config.rounds, 'round')} of ${config.warmupS} s warm-up + ${config.measureS} s measured; latency = receipt ` +
      'on each other client − send, same process clock. Same machine, same run: per step, round after round, ' +
      'every server still climbing runs once, and which server goes first rotates every round, so drift on ' +
      'the machine hits all alike.',
    '',
    `A run holds when p99 < ${config.sloMs} ms, every update reached every receiver, no connection dropped ` +
      `and the writers achieved ≥ ${100 * MIN_ACHIEVED_SHARE}% of the target rate. ` +
      'A step is held when more than half of its rounds ' +
      'held (one disturbed window neither makes nor breaks it); a server stops stepping at its first step ' +
      "not held. A single window's p99 swings several-fold between runs on this machine, so the headline " +
      'per step is the median p99 over the rounds, with their min–max. Ratios are of those medians; ' +
      `"wins k/n" counts the rounds in which ${ours}'s p99 was ≤ the peer's in the same round (both ran in ` +
      'the same pass over the servers, at the same rate, so drift between rounds cancels out).',
    '',
    ...(config.load === 'light'
      ? [
          'Clients: bare ws sockets (light-clients.ts), not the stock providers. Writers send pre-encoded ' +
            'y-websocket update frames (the same updates); receivers count the update frames they get, without ' +
            "decoding them. The load generator then needs little CPU, so the latency is mostly the servers' " +
            'relay. Servers speaking the y-websocket protocol only (no Hocuspocus).',
          '',
        ]
      : []),
    "Documents persist across steps and rounds, as a day's board would: every run adds " +
      `${perRun} s × rate updates per document (warm-up included), so later rounds of a step meet ` +
      "slightly larger documents than earlier ones, alike for every server. fleetdesk compacts a document's " +
      'update log once it holds more than 500–749 rows (the threshold is staggered per document name, so ' +
      'documents that start together and write at the same rate do not all compact at once). The ' +
      'compactions column counts them per run.',
    '',
    `Command: \`${report.command}\` — wall time ${report.wallSeconds.toFixed(0)} s.`,
    '',
    ...(report.converted === undefined
      ? []
      : [`Re-rendered from an older fanout.json, ${report.converted}`, '']),
    'Environment: ' +
      Object.entries(report.environment)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      '.',
    '',
  ];
}

function serversSection(report: Report): string[] {
  return [
    '## Servers',
    '',
    ...report.servers.map((s) => `- **${s.name}**: ${s.description}`),
    ...report.failures.map((f) => `- **${f.server}** could not be measured: ${f.error}`),
    '',
  ];
}

/** Why a server stopped at `step`: the rounds that did not hold, each with what failed. */
function stopReason(step: StepSummary, sloMs: number): string {
  const failed = step.runs
    .filter((r) => !r.held)
    .map((r) => `round ${r.round}: ${whyNotHeld(r, sloMs).join(', ')}`);
  return [
    `${step.aggregateRate}/s: held ${share(step.runs, (r) => r.held)} rounds, p99 median ${ms(step.p99Median)} ms`,
    ...failed,
  ].join('; ');
}

function highestHeldSection(report: Report): string[] {
  const { sloMs } = report.config;
  return [
    `## Highest rate held (p99 < ${sloMs} ms in most rounds)`,
    '',
    table(
      ['server', 'highest aggregate updates/s held', 'stopped at'],
      report.servers.map((s) => {
        const { rate, limitedBy } = highestHeld(report.runs, s.name);
        return [
          s.name,
          rate === null ? 'none' : `${rate}`,
          limitedBy === null ? 'not reached (top step held)' : stopReason(limitedBy, sloMs),
        ];
      }),
    ),
    '',
  ];
}

const busy = (maxForeignPct: number) => (run: RunResult) => run.foreignCpuPct > maxForeignPct;

/** Footnote marks for a set of runs: * machine busy with other work, † load generator behind. */
function marks(runs: readonly RunResult[], maxForeignPct: number): string {
  return (runs.some(busy(maxForeignPct)) ? '*' : '') + (runs.some(generatorBehind) ? '†' : '');
}

function stepsSection(report: Report): string[] {
  const { config } = report;
  const steps = ratesOf(report.runs).flatMap((rate) =>
    report.servers.flatMap((s) => stepOf(report.runs, s.name, rate) ?? []),
  );
  const notes = (step: StepSummary): string =>
    [
      ...(step.runs.some(generatorBehind)
        ? [`load generator behind in ${share(step.runs, generatorBehind)}`]
        : []),
      ...(step.runs.some(busy(config.maxForeignPct))
        ? [
            `foreign CPU > ${config.maxForeignPct}% in ${share(step.runs, busy(config.maxForeignPct))}`,
          ]
        : []),
    ].join('; ');
  return [
    `## Latency per step (median of ${count(config.rounds, 'round')})`,
    '',
    table(
      [
        'rate/doc',
        'aggregate/s',
        'server',
        'p99 ms (median)',
        'p99 ms (min–max)',
        'p50 ms (median)',
        'rounds held',
        'held',
        'notes',
      ],
      steps.map((step) => [
        `${step.ratePerDoc}`,
        `${step.aggregateRate}`,
        step.server,
        ms(step.p99Median),
        `${ms(step.p99Min)}–${ms(step.p99Max)}`,
        ms(step.p50Median),
        share(step.runs, (r) => r.held),
        step.held ? 'yes' : 'no',
        notes(step),
      ]),
    ),
    '',
  ];
}

function ratiosSection(report: Report, ours: string): string[] {
  const { config } = report;
  const peers = report.servers.map((s) => s.name).filter((n) => n !== ours);
  const cells = (rate: number, peer: string): string[] => {
    const mine = stepOf(report.runs, ours, rate);
    const theirs = stepOf(report.runs, peer, rate);
    if (mine === undefined || theirs === undefined) return ['–', '–'];
    const { wins, paired } = pairedWins(mine.runs, theirs.runs);
    return [
      ratio(mine.p99Median, theirs.p99Median) +
        marks([...mine.runs, ...theirs.runs], config.maxForeignPct),
      `${wins}/${paired}`,
    ];
  };
  return [
    `## p99 ratios at equal load (median ${ours} p99 / median peer p99; < 1 means ${ours} is faster)`,
    '',
    table(
      ['rate/doc', 'aggregate/s', ...peers.flatMap((p) => [`${ours} / ${p}`, 'wins'])],
      ratesOf(report.runs).map((rate) => [
        `${rate}`,
        `${rate * config.docs}`,
        ...peers.flatMap((p) => cells(rate, p)),
      ]),
    ),
    '',
    `"wins k/n": in k of the n rounds both measured, ${ours}'s p99 was ≤ the peer's p99 in the same round. ` +
      `\\* in at least one round of either server the machine was busy with other work (foreign CPU > ` +
      `${config.maxForeignPct}% of a core); † in at least one round the load generator fell behind (< ` +
      `${100 * MIN_ACHIEVED_SHARE}% of the target rate sent), so the clients, not only the servers, ` +
      'set the latency there. Treat both with care.',
    '',
  ];
}

function runsSection(report: Report): string[] {
  const { config } = report;
  const order = (name: string): number => report.servers.findIndex((s) => s.name === name);
  const runs = [...report.runs].sort(
    (a, b) => a.ratePerDoc - b.ratePerDoc || order(a.server) - order(b.server) || a.round - b.round,
  );
  return [
    '## All steps (every run)',
    '',
    table(
      [
        'rate/doc',
        'aggregate/s',
        'sent/s',
        'server',
        'round',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'delivered/expected',
        'server CPU',
        'server µs/update',
        'client CPU',
        'client loop delay p99 ms',
        'send lag p99 ms',
        'foreign CPU',
        'compactions',
        'errors',
        'held',
      ],
      runs.map((s) => [
        `${s.ratePerDoc}`,
        `${s.aggregateRate}`,
        s.achievedRate.toFixed(0),
        s.server,
        `${s.round}`,
        ms(s.latency.p50),
        ms(s.latency.p90),
        ms(s.latency.p99),
        ms(s.latency.max),
        `${s.delivered}/${s.expected} (${deliveredPct(s)}%)`,
        pct(s.serverCpuPct),
        Number.isFinite(s.serverCpuUsPerUpdate) ? s.serverCpuUsPerUpdate.toFixed(0) : '–',
        pct(s.clientCpuPct),
        ms(s.clientLoopDelayP99),
        ms(s.sendLagP99),
        pct(s.foreignCpuPct) + (busy(config.maxForeignPct)(s) ? '*' : ''),
        s.compactions === null ? '–' : `${s.compactions}`,
        `${s.errors}`,
        s.held ? 'yes' : generatorBehind(s) ? 'no (load generator behind)' : 'no',
      ]),
    ),
    '',
    'Server CPU is the child process (user + system) over the measured window, in % of one core; ' +
      'µs/update divides it by the updates sent in the window. Client CPU is the benchmark process that ' +
      'runs every client (all writers and receivers). Send lag is how late the writer timers fired; ' +
      'when it or client CPU is high, the load generator (not the server) is the limit. Foreign CPU is what ' +
      'other processes on the machine used during the window (from /proc/stat, % of one core); * marks runs ' +
      `above ${config.maxForeignPct}%.`,
    '',
  ];
}

export function renderMarkdown(report: Report, ours: string): string {
  return [
    ...intro(report, ours),
    ...serversSection(report),
    ...highestHeldSection(report),
    ...stepsSection(report),
    ...(report.servers.some((s) => s.name === ours) ? ratiosSection(report, ours) : []),
    ...runsSection(report),
  ].join('\n');
}

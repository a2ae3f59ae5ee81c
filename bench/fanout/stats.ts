/** Latency statistics and the Markdown report. Pure functions; no I/O. */

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

/** One server at one load step. */
export interface StepResult {
  readonly server: string;
  readonly ratePerDoc: number;
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
   * work on a shared machine), % of one core. High values mean the step was disturbed.
   */
  readonly foreignCpuPct: number;
  /** Update-log compactions the server did during the step incl. warm-up (ours only; else null). */
  readonly compactions: number | null;
  /** Connection drops/errors during the step, or the server process dying. */
  readonly errors: number;
  /** p99 under the SLO, everything delivered, no errors, target rate achieved. */
  readonly held: boolean;
  /** A first run that was not held and was re-run once; the re-run is the step's result. */
  readonly superseded: boolean;
}

export interface ServerInfo {
  readonly name: string;
  readonly description: string;
}

export interface Report {
  readonly config: {
    readonly docs: number;
    readonly clientsPerDoc: number;
    readonly rates: readonly number[];
    readonly warmupS: number;
    readonly measureS: number;
    readonly sloMs: number;
    readonly maxForeignPct: number;
  };
  readonly environment: Readonly<Record<string, string>>;
  readonly servers: readonly ServerInfo[];
  /** Servers that could not be started or connected, with why. */
  readonly failures: readonly { readonly server: string; readonly error: string }[];
  readonly steps: readonly StepResult[];
  readonly wallSeconds: number;
  readonly command: string;
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');
const pct = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(0)}%` : '–');
const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Highest aggregate rate (updates/s) a server held, and whether stepping stopped on a failure. */
export function highestHeld(
  steps: readonly StepResult[],
  server: string,
): { rate: number | null; limitedBy: StepResult | null } {
  const mine = steps
    .filter((s) => s.server === server && !s.superseded)
    .sort((a, b) => a.ratePerDoc - b.ratePerDoc);
  let rate: number | null = null;
  for (const step of mine) {
    if (!step.held) return { rate, limitedBy: step };
    rate = step.aggregateRate;
  }
  return { rate, limitedBy: null };
}

export function renderMarkdown(report: Report, ours: string): string {
  const { config } = report;
  const out: string[] = [];
  const peers = report.servers.map((s) => s.name).filter((n) => n !== ours);
  out.push('# Sync-server fan-out benchmark', '');
  out.push(
    `${config.docs} documents × ${config.clientsPerDoc} clients (${config.docs * config.clientsPerDoc} sockets per server), ` +
      `one writer per document, ${config.clientsPerDoc - 1} receivers each. Per step: ${config.warmupS} s warm-up, ` +
      `${config.measureS} s measured; latency = receipt on each other client − send, same process clock. ` +
      `A step is held when p99 < ${config.sloMs} ms, every update reached every receiver, no connection dropped ` +
      'and the writers achieved ≥ 95% of the target rate; ' +
      'a step not held is re-run once to confirm (both runs listed below; the re-run counts), unless the writers ' +
      'fell behind (a load-generator limit a re-run cannot fix), and a server stops ' +
      'stepping at its first confirmed failure. Servers are interleaved per step, same machine, same run.',
    '',
    "Documents persist across steps, as a day's board would (per document: 10 s × rate updates per step, " +
      "warm-up included; a re-run adds as many again). fleetdesk compacts a document's update log once it " +
      'holds more than 500–749 rows (the threshold is staggered per document name, so documents that start ' +
      'together and write at the same rate do not all compact at once). The compactions column counts them per step.',
    '',
  );
  out.push(`Command: \`${report.command}\` — wall time ${report.wallSeconds.toFixed(0)} s.`, '');
  out.push(
    'Environment: ' +
      Object.entries(report.environment)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      '.',
    '',
  );
  out.push('## Servers', '');
  for (const s of report.servers) out.push(`- **${s.name}**: ${s.description}`);
  for (const f of report.failures) out.push(`- **${f.server}** could not be measured: ${f.error}`);
  out.push('');

  out.push('## Highest rate held (p99 < ' + String(config.sloMs) + ' ms)', '');
  out.push(
    table(
      ['server', 'highest aggregate updates/s held', 'stopped at'],
      report.servers.map((s) => {
        const { rate, limitedBy } = highestHeld(report.steps, s.name);
        const stop =
          limitedBy === null
            ? 'not reached (top step held)'
            : `${limitedBy.aggregateRate}/s: p99 ${ms(limitedBy.latency.p99)} ms, delivered ${(
                (100 * limitedBy.delivered) /
                Math.max(1, limitedBy.expected)
              ).toFixed(
                2,
              )}%, errors ${limitedBy.errors}, sent ${limitedBy.achievedRate.toFixed(0)}/s` +
              (limitedBy.achievedRate < 0.95 * limitedBy.aggregateRate
                ? ' (load generator fell behind)'
                : '');
        return [s.name, rate === null ? 'none' : `${rate}`, stop];
      }),
    ),
    '',
  );

  if (report.servers.some((s) => s.name === ours)) {
    out.push(
      `## p99 ratios at equal load (${ours} p99 / peer p99; < 1 means ${ours} is faster)`,
      '',
    );
    const rates = [...new Set(report.steps.map((s) => s.ratePerDoc))].sort((a, b) => a - b);
    const final = report.steps.filter((s) => !s.superseded);
    const find = (server: string, rate: number): StepResult | undefined =>
      final.find((s) => s.server === server && s.ratePerDoc === rate);
    out.push(
      table(
        [
          'rate/doc',
          'aggregate/s',
          `${ours} p99`,
          ...peers.map((p) => `${p} p99`),
          ...peers.map((p) => `${ours} / ${p}`),
        ],
        rates.map((rate) => {
          const mine = find(ours, rate);
          const p99 = (step: StepResult | undefined): string =>
            step === undefined
              ? '–'
              : ms(step.latency.p99) + (step.foreignCpuPct > config.maxForeignPct ? '*' : '');
          return [
            `${rate}`,
            `${rate * config.docs}`,
            p99(mine),
            ...peers.map((p) => p99(find(p, rate))),
            ...peers.map((p) =>
              ratio(mine?.latency.p99 ?? Number.NaN, find(p, rate)?.latency.p99 ?? Number.NaN),
            ),
          ];
        }),
      ),
      '',
      `\\* the machine was busy with other work during that step (foreign CPU > ${config.maxForeignPct}% of a core); ` +
        'treat it with care.',
      '',
    );
  }

  out.push('## All steps', '');
  out.push(
    table(
      [
        'rate/doc',
        'aggregate/s',
        'sent/s',
        'server',
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
      [...report.steps]
        .sort((a, b) => a.ratePerDoc - b.ratePerDoc || a.server.localeCompare(b.server))
        .map((s) => [
          `${s.ratePerDoc}`,
          `${s.aggregateRate}`,
          s.achievedRate.toFixed(0),
          s.server,
          ms(s.latency.p50),
          ms(s.latency.p90),
          ms(s.latency.p99),
          ms(s.latency.max),
          `${s.delivered}/${s.expected} (${((100 * s.delivered) / Math.max(1, s.expected)).toFixed(2)}%)`,
          pct(s.serverCpuPct),
          Number.isFinite(s.serverCpuUsPerUpdate) ? s.serverCpuUsPerUpdate.toFixed(0) : '–',
          pct(s.clientCpuPct),
          ms(s.clientLoopDelayP99),
          ms(s.sendLagP99),
          pct(s.foreignCpuPct) + (s.foreignCpuPct > config.maxForeignPct ? '*' : ''),
          s.compactions === null ? '–' : `${s.compactions}`,
          `${s.errors}`,
          s.held ? 'yes' : s.superseded ? 'no → re-run' : 'no',
        ]),
    ),
    '',
  );
  out.push(
    'Server CPU is the child process (user + system) over the measured window, in % of one core; ' +
      'µs/update divides it by the updates sent in the window. Client CPU is the benchmark process that ' +
      'runs every client (all writers and receivers). Send lag is how late the writer timers fired; ' +
      'when it or client CPU is high, the load generator (not the server) is the limit. Foreign CPU is what ' +
      'other processes on the machine used during the window (from /proc/stat, % of one core); * marks steps ' +
      `above ${config.maxForeignPct}%. "no → re-run" marks a first run that failed and was re-run once.`,
    '',
  );
  return out.join('\n');
}

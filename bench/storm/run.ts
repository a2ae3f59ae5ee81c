/**
 * `npm run bench` (storm): 50 desks × 200 queued commands reconnect at once
 * against the real server process, through lean clients speaking the desk's
 * batch protocol, while an agent on a call sends single commands. Baseline in
 * the same run, on a fresh server with the same data: the same desks sending
 * one command per request (the desk protocol before batches), 8 in flight each.
 */
import { startServerProcess, tempDataDir } from '../../sync-server/test-support/server-process';
import {
  cancellableDeliveries,
  runStorm,
  type StormOptions,
  type StormResult,
} from '../../sync-server/test-support/storm';
import { fmt, machineLine, writeResult } from '../core/bench-util';

const DESKS = Number(process.env['BENCH_STORM_DESKS'] ?? 50);
const PER_DESK = Number(process.env['BENCH_STORM_PER_DESK'] ?? 200);

async function once(options: StormOptions): Promise<StormResult> {
  const data = tempDataDir();
  const deliveries = String(Math.ceil(DESKS * PER_DESK * 2.8 + 2000));
  const server = await startServerProcess(
    data.dir,
    ['--deliveries', deliveries, '--customers', '2000'],
    0,
    { startTimeoutMs: 300_000 },
  );
  try {
    const targets = (await cancellableDeliveries(server)).filter((d) => d.stage === 'created');
    return await runStorm(server, targets, options);
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
    data.cleanup();
  }
}

const common = { desks: DESKS, perDesk: PER_DESK, interactiveGapMs: 20 };
const batched = await once({ ...common, batchSize: 100, pipeline: 2, mode: 'batch' });
console.log('batched', JSON.stringify({ ...batched, deskFirst: undefined, deskDone: undefined }));
const single = await once({ ...common, batchSize: 1, pipeline: 8, mode: 'single' });
console.log('single', JSON.stringify({ ...single, deskFirst: undefined, deskDone: undefined }));

const row = (name: string, r: StormResult): string =>
  `| ${name} | ${fmt(r.seconds, 2)} s | ${fmt(r.commandsPerSecond, 0)} | ${r.applied} + ${r.repeats} repeats | ${fmt(r.interactive.p50, 0)} / ${fmt(r.interactive.p99, 0)} / ${fmt(r.interactive.max, 0)} ms (${r.interactive.count}) | ${r.shed.s429} / ${r.shed.s503} | ${fmt(Math.max(...r.deskFirst), 1)} s | ${r.readyz.failures} of ${r.readyz.checks} |`;
const md = [
  '# Sync server: reconnect storm',
  '',
  machineLine(),
  `${DESKS} desks × ${PER_DESK} queued cancels reconnect at once (lean clients in the benchmark process; each desk is its own user). An agent on a call sends one cancel at a time, 20 ms apart, during the storm; /readyz is polled every 100 ms. Each run on a fresh server process with the same seed.`,
  '',
  '| desks send | drain time | commands/s | applied | interactive p50 / p99 / max (n) | shed 429 / 503 | last desk first served | /readyz errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  row('batches of 100, 2 in flight (this issue)', batched),
  row('one command per request, 8 in flight (baseline)', single),
  '',
  `Throughput ratio batched / one-per-request: **${fmt(batched.commandsPerSecond / single.commandsPerSecond, 2)}×**.`,
  '',
].join('\n');
writeResult('storm', md, { batched, single });

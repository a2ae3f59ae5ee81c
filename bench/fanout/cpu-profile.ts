/**
 * Where a fan-out server's CPU goes, per update: one load step (the fan-out's writers and
 * receivers) against one server, its CPU from /proc per thread, and (unless --no-prof) its main
 * thread under `node --cpu-prof`, the samples inside the measured window attributed to the steps
 * of the update path. The in-process profile (profile.ts) has no sockets; this is the real
 * process, sockets and all. V8 samples by wall clock: time the thread spent preempted counts
 * where it was preempted, so on a busy machine trust the /proc numbers over the profile's.
 *
 *   npx tsx bench/fanout/cpu-profile.ts [--server fleetdesk|fleetdesk-mem|y-websocket] [--rate 40] [--docs 20]
 *       [--clients 5] [--seconds 10] [--warmup 2] [--light] [--no-prof] [--keep <file>]
 *       [--node-flags "<flags>"]
 *
 * --light uses bare sockets instead of stock providers (light-clients.ts), so the load generator
 * barely competes with the server. --node-flags=--perf-basic-prof lets Linux `perf` see JS frames.
 * Prints Markdown (µs of server CPU per update sent). Writes nothing in the repo.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateSecret, signToken } from '../../sync-server/auth';
import { fleetdeskServeArgs, machineBusyMs, ServerProcess } from './child';
import { Fleet } from './clients';
import { LightFleet } from './light-clients';
import { summarize } from './stats';

const ROOT = resolve(import.meta.dirname, '../..');
const CLK_TCK = 100;

/** CPU ms (user, system) per thread of `pid`, keyed by thread name + id (Linux /proc). */
function threadCpu(pid: number): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid === String(pid) ? 'main' : tid}`, {
        user: (Number(fields[11]) * 1000) / CLK_TCK,
        system: (Number(fields[12]) * 1000) / CLK_TCK,
      });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

function threadTable(
  before: Map<string, { user: number; system: number }>,
  after: Map<string, { user: number; system: number }>,
  updates: number,
): string {
  const rows: [string, number, number][] = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? { user: 0, system: 0 };
    const user = ((a.user - b.user) * 1000) / updates;
    const system = ((a.system - b.system) * 1000) / updates;
    if (user + system > 0) rows.push([key, user, system]);
  }
  rows.sort((x, y) => y[1] + y[2] - (x[1] + x[2]));
  return [
    '| thread (/proc, 10 ms ticks) | user µs/update | system µs/update |',
    '| --- | --- | --- |',
    ...rows.map(([k, u, s]) => `| ${k} | ${u.toFixed(0)} | ${s.toFixed(0)} |`),
  ].join('\n');
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Steps of the update path, matched on any frame of a sample's stack (inclusive time). A
 * sample counts for every step whose frame it contains, so nested steps overlap by design.
 */
const STEPS: readonly { readonly label: string; readonly frame: RegExp }[] = [
  { label: 'socket read + ws frame parsing (Receiver)', frame: /^(onStreamRead|Receiver\.)/ },
  { label: '  YjsConnection.onMessage (one client frame)', frame: /^onMessage$/ },
  { label: '    toBytes + parseClientMessage', frame: /^(toBytes|parseClientMessage)$/ },
  { label: '    HubDoc.applyClientUpdate (Y.applyUpdate, queue)', frame: /^applyClientUpdate$/ },
  { label: 'group commit flush (setImmediate)', frame: /^flush$/ },
  { label: '  SqliteDocStore.appendBatch', frame: /^(append|appendBatch)$/ },
  { label: '  HubDoc.committed (broadcast, compaction)', frame: /^committed$/ },
  { label: '    encode broadcast frame', frame: /^encodeSyncUpdate$/ },
  { label: '    send to receivers (ws.send, socket write)', frame: /^(send|sendFrame)$/ },
  { label: '    compaction', frame: /^compact$/ },
  { label: 'y-websocket: messageListener', frame: /^messageListener$/ },
  { label: 'garbage collector', frame: /^\(garbage collector\)$/ },
];

function analyse(profile: CpuProfile, fromUs: number, toUs: number, updates: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let busyUs = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t >= toUs) return;
    const leaf = byId.get(id);
    if (leaf === undefined || leaf.callFrame.functionName === '(idle)') return;
    busyUs += dt;
    const leafKey = `${leaf.callFrame.functionName || '(anonymous)'} ${shortUrl(leaf.callFrame.url)}`;
    self.set(leafKey, (self.get(leafKey) ?? 0) + dt);
    const names = new Set<string>();
    for (
      let n: ProfileNode | undefined = leaf;
      n !== undefined;
      n = byId.get(parent.get(n.id) ?? -1)
    )
      names.add(n.callFrame.functionName);
    for (const step of STEPS)
      if ([...names].some((name) => step.frame.test(name)))
        inclusive.set(step.label, (inclusive.get(step.label) ?? 0) + dt);
  });
  const per = (us: number): string => (us / updates).toFixed(1);
  const lines = [
    `| step (inclusive, from the CPU profile) | µs/update |`,
    `| --- | --- |`,
    `| all sampled non-idle CPU of the main thread | ${per(busyUs)} |`,
    ...STEPS.map(
      (s) =>
        `| ${s.label.replace(/^ +/, (m) => '&nbsp;'.repeat(m.length))} | ${per(inclusive.get(s.label) ?? 0)} |`,
    ),
    '',
    '| top self time | µs/update |',
    '| --- | --- |',
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, us]) => `| ${k.replace(/\|/g, '\\|')} | ${per(us)} |`),
  ];
  return lines.join('\n');
}

const shortUrl = (url: string): string =>
  url === ''
    ? ''
    : url
        .replace(/^file:\/\//, '')
        .replace(`${ROOT}/`, '')
        .replace(/^node_modules\//, '');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'fleetdesk' },
      rate: { type: 'string', default: '40' },
      docs: { type: 'string', default: '20' },
      clients: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '10' },
      keep: { type: 'string' },
      'no-prof': { type: 'boolean', default: false },
      /** Bare sockets instead of stock providers (light-clients.ts): server CPU with less noise. */
      light: { type: 'boolean', default: false },
      warmup: { type: 'string', default: '2' },
      /** Extra node flags for the server, space-separated (e.g. --perf-basic-prof for `perf`). */
      'node-flags': { type: 'string', default: '' },
    },
  });
  const rate = Number(values.rate);
  const docs = Number(values.docs);
  const clientsPerDoc = Number(values.clients);
  const seconds = Number(values.seconds);
  const profDir = mkdtempSync(join(tmpdir(), 'fanout-cpuprof-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'fanout-cpuprof-data-'));
  const prof = values['no-prof']
    ? []
    : ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '500'];
  const tsx = [...values['node-flags'].split(' ').filter((f) => f !== ''), '--import', 'tsx'];
  let proc: ServerProcess;
  let url: string;
  let token: ((d: number, c: number) => string) | undefined;
  if (values.server === 'fleetdesk' || values.server === 'fleetdesk-mem') {
    const secret = loadOrCreateSecret(dataDir);
    const expiresAt = Date.now() + 3600e3;
    token = (d, c) => signToken(secret, { userId: `b-${d}-${c}`, role: 'supervisor', expiresAt });
    // fleetdesk-mem: the same hub on an in-memory store (run.ts's ablation), to isolate SQLite.
    const args =
      values.server === 'fleetdesk'
        ? fleetdeskServeArgs(dataDir)
        : ['bench/fanout/servers/fleetdesk-hub.ts', '--data', dataDir, '--store', 'memory'];
    proc = await ServerProcess.start(values.server, [...prof, ...tsx, ...args], { cwd: ROOT });
    url = `ws://127.0.0.1:${proc.port}/yjs`;
  } else if (values.server === 'y-websocket') {
    const env = { ...process.env };
    delete env['YPERSISTENCE'];
    proc = await ServerProcess.start(
      'y-websocket',
      [...prof, ...tsx, 'bench/fanout/servers/y-websocket.ts'],
      { cwd: ROOT, env },
    );
    url = `ws://127.0.0.1:${proc.port}`;
  } else throw new Error('--server must be fleetdesk, fleetdesk-mem or y-websocket');

  process.setMaxListeners(docs * clientsPerDoc + 20);
  const docNames = Array.from({ length: docs }, (_, i) => `board/p${i}/2026-11-22`);
  // A longer warm-up ages the documents (every update stays in them), as later fan-out steps do.
  const warmMs = Number(values.warmup) * 1000;
  let seq = 0;
  let fleet: { setSink: Fleet['setSink']; write(d: number): number; close(): void };
  if (values.light) {
    fleet = await LightFleet.connect({
      docs,
      clientsPerDoc,
      updatesPerDoc: Math.ceil(rate * (seconds + warmMs / 1000)) + 10,
      url: (d, c) =>
        `${url}/${docNames[d] ?? ''}${token === undefined ? '' : `?token=${token(d, c)}`}`,
    });
  } else {
    const providers = await Fleet.connect({
      kind: 'y-websocket',
      url,
      docNames,
      clientsPerDoc,
      connectTimeoutMs: 30_000,
      ...(token === undefined ? {} : { token }),
    });
    fleet = {
      setSink: (sink) => providers.setSink(sink),
      write: (d) => providers.write(d, (seq += 1)),
      close: () => providers.close(),
    };
  }
  const latencies: number[] = [];
  fleet.setSink((sentAt, receivedAt) => latencies.push(receivedAt - sentAt));
  const period = 1000 / rate;
  const t0 = performance.now() + 20;
  const winStart = t0 + warmMs;
  const winEnd = winStart + seconds * 1000;
  // Profile timestamps are CLOCK_MONOTONIC µs, as is process.hrtime (another process, same clock).
  const hrUsAt = (perfMs: number): number =>
    Number(process.hrtime.bigint() / 1000n) + (perfMs - performance.now()) * 1000;
  const fromUs = hrUsAt(winStart);
  const toUs = hrUsAt(winEnd);
  let sent = 0;
  let cpu0 = 0;
  let cpu1 = 0;
  let threads0 = new Map<string, { user: number; system: number }>();
  let threads1 = threads0;
  let other0 = 0;
  let other1 = 0;
  let self0 = process.cpuUsage();
  let self1 = self0;
  // Everything else the machine did in the window (the load generator, other people's work).
  const otherMs = (): number => {
    const self = process.cpuUsage();
    return machineBusyMs() - proc.cpuMs() - (self.user + self.system) / 1000;
  };
  setTimeout(() => {
    cpu0 = proc.cpuMs();
    threads0 = threadCpu(proc.pid);
    other0 = otherMs();
    self0 = process.cpuUsage();
  }, winStart - performance.now());
  setTimeout(() => {
    cpu1 = proc.cpuMs();
    threads1 = threadCpu(proc.pid);
    other1 = otherMs();
    self1 = process.cpuUsage(self0);
  }, winEnd - performance.now());
  await Promise.all(
    docNames.map(
      (_, d) =>
        new Promise<void>((done) => {
          let k = 0;
          const tick = (): void => {
            const due = t0 + (d * period) / docs + k * period;
            if (due >= winEnd) {
              done();
              return;
            }
            const at = fleet.write(d);
            if (at >= winStart && at < winEnd) sent += 1;
            k += 1;
            setTimeout(tick, Math.max(0, due + period - performance.now()));
          };
          setTimeout(tick, Math.max(0, t0 + (d * period) / docs - performance.now()));
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, Math.max(0, winEnd - performance.now()) + 1000));
  fleet.close();
  await proc.stop(10_000);
  const lat = summarize(latencies);
  const profiled = prof.length > 0;
  let breakdown = '';
  if (profiled) {
    // One profile per thread (the checkpoint worker has its own); the main thread's id is 0.
    const file = readdirSync(profDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (file === undefined) throw new Error(`no .cpuprofile in ${profDir}`);
    const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
    if (values.keep !== undefined) cpSync(join(profDir, file), values.keep);
    breakdown = `\n\n${analyse(profile, fromUs, toUs, sent)}`;
  }
  process.stdout.write(
    `${values.server}: ${rate}/doc × ${docs} docs × ${clientsPerDoc} clients, ${seconds} s window, ` +
      `${sent} updates sent; server CPU (/proc) ${(((cpu1 - cpu0) * 1000) / sent).toFixed(0)} µs/update; ` +
      `client CPU ${((100 * (self1.user + self1.system)) / 1000 / (seconds * 1000)).toFixed(0)}%, ` +
      `foreign CPU ${((100 * (other1 - other0)) / (seconds * 1000)).toFixed(0)}% of a core; ` +
      `latency p50 ${lat.p50.toFixed(2)} p99 ${lat.p99.toFixed(2)} ms (all receipts, profiler ${profiled ? 'on' : 'off'})\n\n` +
      `${threadTable(threads0, threads1, sent)}${breakdown}\n`,
  );
  rmSync(profDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

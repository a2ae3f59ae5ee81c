/**
 * The health prober on fake timers with a scripted gateway (schedule, results into the
 * health level, timeouts, no overlap, logs, stop), then once with real timers against the
 * sandbox gateway and its injected faults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HealthCheckOutcome } from '../../domain/payments';
import { SandboxGatewayAdapter, SandboxGatewayService } from '../payments';
import { openServerDatabase } from '../storage';
import { GatewayHealth } from './gateway-health';
import { GatewayProber, type GatewayProberDeps, type ProbeResult } from './gateway-prober';

const HEALTHY: HealthCheckOutcome = { kind: 'healthy' };
const UNAVAILABLE: HealthCheckOutcome = { kind: 'unavailable', detail: 'gateway http 503' };

/** A gateway whose next answer the test chooses; counts calls and how many overlap. */
function scriptedGateway() {
  const gateway = {
    calls: 0,
    inFlight: 0,
    maxInFlight: 0,
    answer: (): Promise<HealthCheckOutcome> => Promise.resolve(HEALTHY),
    probe: async (): Promise<HealthCheckOutcome> => {
      gateway.calls += 1;
      gateway.inFlight += 1;
      gateway.maxInFlight = Math.max(gateway.maxInFlight, gateway.inFlight);
      try {
        return await gateway.answer();
      } finally {
        gateway.inFlight -= 1;
      }
    },
    /** The next call hangs until the returned function answers it. */
    hang: (): ((outcome: HealthCheckOutcome) => void) => {
      let release: (outcome: HealthCheckOutcome) => void = () => undefined;
      gateway.answer = () => new Promise((resolve) => (release = resolve));
      return (outcome) => release(outcome);
    },
  };
  return gateway;
}

interface Rig {
  readonly gateway: ReturnType<typeof scriptedGateway>;
  readonly health: GatewayHealth;
  readonly prober: GatewayProber;
  readonly results: ProbeResult[];
  readonly logs: { level: number; msg: string; [field: string]: unknown }[];
  changes: number;
  level(): string;
}

const probers: GatewayProber[] = [];
afterEach(() => {
  for (const p of probers.splice(0)) p.stop();
});

function rig(overrides: Partial<GatewayProberDeps> = {}): Rig {
  const gateway = scriptedGateway();
  const health = new GatewayHealth();
  const logs: Rig['logs'] = [];
  const r: Rig = {
    gateway,
    health,
    results: [],
    logs,
    changes: 0,
    level: () => health.level(Date.now()),
    prober: undefined as unknown as GatewayProber,
  };
  const prober = new GatewayProber({
    probe: () => gateway.probe(),
    health,
    healthChanged: () => (r.changes += 1),
    intervalMs: 1000,
    timeoutMs: 200,
    now: () => Date.now(),
    log: pino(
      { level: 'debug' },
      { write: (line: string) => logs.push(JSON.parse(line) as Rig['logs'][number]) },
    ),
    settled: (result) => r.results.push(result),
    ...overrides,
  });
  probers.push(prober);
  return Object.assign(r, { prober });
}

describe('GatewayProber', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('probes at once, then every interval, and feeds each result into the health level', async () => {
    const r = rig();
    r.prober.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.results).toEqual(['healthy']);
    expect(r.level()).toBe('ok');

    r.gateway.answer = () => Promise.resolve(UNAVAILABLE);
    await vi.advanceTimersByTimeAsync(999);
    expect(r.gateway.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.gateway.calls).toBe(2);
    expect(r.level()).toBe('degraded');
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.level()).toBe('down');

    r.gateway.answer = () => Promise.resolve(HEALTHY);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.level()).toBe('ok');
    expect(r.results).toEqual(['healthy', 'unavailable', 'unavailable', 'healthy']);
    expect(r.changes).toBe(4); // the publisher is asked after every result
  });

  it('a probe not answered in time has failed, and is never joined by a second call', async () => {
    const r = rig();
    const answer = r.gateway.hang();
    r.prober.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(r.results).toEqual(['timeout']);
    expect(r.level()).toBe('degraded');

    // The next round starts one interval after the first (not after its timeout) and waits
    // for the same call instead of sending another.
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.results).toEqual(['timeout', 'timeout']);
    expect(r.level()).toBe('down');
    expect(r.gateway.calls).toBe(1);

    answer(HEALTHY); // far too late for either round
    r.gateway.answer = () => Promise.resolve(HEALTHY);
    await vi.advanceTimersByTimeAsync(800);
    expect(r.gateway.calls).toBe(2);
    expect(r.results.at(-1)).toBe('healthy');
    expect(r.level()).toBe('ok');
    expect(r.gateway.maxInFlight).toBe(1);
  });

  it('never lets the timeout exceed the interval', async () => {
    const r = rig({ intervalMs: 100, timeoutMs: 5000 });
    r.gateway.hang();
    r.prober.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(r.results).toEqual(['timeout']);
  });

  it('counts a probe that throws as failed', async () => {
    const r = rig();
    r.gateway.answer = () => Promise.reject(new Error('adapter bug'));
    r.prober.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.results).toEqual(['error']);
    expect(r.level()).toBe('degraded');
  });

  it('logs one line when probes start failing and one when they answer again, outcomes only', async () => {
    const r = rig();
    r.gateway.answer = () => Promise.resolve(UNAVAILABLE);
    r.prober.start();
    await vi.advanceTimersByTimeAsync(2000); // three failed probes
    r.gateway.answer = () => Promise.resolve(HEALTHY);
    await vi.advanceTimersByTimeAsync(1000);
    const loud = r.logs.filter((line) => line.level >= 30);
    expect(
      loud.map(({ level, msg, result, failedBefore }) => [level, msg, result, failedBefore]),
    ).toEqual([
      [40, 'payment gateway health probe failed', 'unavailable', undefined],
      [30, 'payment gateway health probe answers again', 'healthy', 3],
    ]);
    expect(r.logs.filter((line) => line.level === 20)).toHaveLength(2);
  });

  it('stop() ends the probing, and an answer arriving after it is dropped', async () => {
    const r = rig();
    r.prober.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.gateway.calls).toBe(2);
    const answer = r.gateway.hang();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.gateway.calls).toBe(3);
    r.prober.stop();
    answer(UNAVAILABLE);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.gateway.calls).toBe(3);
    expect(r.results).toEqual(['healthy', 'healthy']);
    expect(r.level()).toBe('ok');
  });

  it('refuses an interval of 0 (the server makes no prober at all then)', () => {
    expect(() => rig({ intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('GatewayProber against the sandbox gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-probe-'));
  const db = openServerDatabase(join(dir, 'gw.sqlite'));
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('"down" fails the probe and extra latency makes it time out, without any card call', async () => {
    const sandbox = new SandboxGatewayService(db, { min: 1, max: 2 });
    const adapter = new SandboxGatewayAdapter(sandbox);
    const results: ProbeResult[] = [];
    const prober = new GatewayProber({
      probe: () => adapter.checkHealth(),
      health: new GatewayHealth(),
      healthChanged: () => undefined,
      intervalMs: 60,
      timeoutMs: 30,
      now: () => performance.now(),
      log: pino({ level: 'silent' }),
      settled: (result) => results.push(result),
    });
    probers.push(prober);
    const settledAs = async (result: ProbeResult): Promise<void> => {
      const before = results.length;
      await vi.waitUntil(() => results.length > before && results.at(-1) === result, {
        timeout: 2000,
      });
    };
    prober.start();
    await settledAs('healthy');
    sandbox.setFaults({ mode: 'down', failRate: 0, extraLatencyMs: 0 });
    await settledAs('unavailable');
    sandbox.setFaults({ mode: 'none', failRate: 0, extraLatencyMs: 200 });
    await settledAs('timeout');
    sandbox.setFaults({ mode: 'none', failRate: 0, extraLatencyMs: 0 });
    await settledAs('healthy');
    prober.stop();
    const ledger = db.prepare('SELECT COUNT(*) AS n FROM sandbox_gateway_calls').get();
    expect(ledger).toEqual({ n: 0 }); // probes carry no key and leave nothing behind
  });
});

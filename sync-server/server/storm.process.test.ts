/**
 * Reconnect storm against the real server process: 50 desks × 200 queued
 * commands at once (lean clients speaking the desk's batch protocol) while an
 * agent on a call sends single commands and /readyz is watched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';
import { cancellableDeliveries, runStorm, type StormTarget } from '../test-support/storm';

const DESKS = 50;
// 50 × 100 keeps CI short (seeding is most of it); the benchmark runs 50 × 200.
const PER_DESK = 100;
let server: ServerProcess;
let targets: (StormTarget & { stage: string })[] = [];
const data = tempDataDir();

beforeAll(async () => {
  server = await startServerProcess(data.dir, ['--deliveries', '15000', '--customers', '2000']);
  targets = (await cancellableDeliveries(server)).filter((d) => d.stage === 'created');
}, 120_000);
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  data.cleanup();
});

describe('reconnect storm (real server process)', () => {
  it('applies every command once, starves no desk, stays ready and keeps the agent on a call fast', async () => {
    expect(targets.length).toBeGreaterThan(DESKS * PER_DESK + 100);
    const result = await runStorm(server, targets, {
      desks: DESKS,
      perDesk: PER_DESK,
      batchSize: 50,
      pipeline: 2,
      interactiveGapMs: 20,
    });
    console.log(
      JSON.stringify({
        ...result,
        deskFirst: result.deskFirst.map((s) => Math.round(s * 10) / 10),
        deskDone: undefined,
      }),
    );
    // Exactly once: every command applied by its first arrival; the server counted each once.
    expect(result.applied + result.repeats).toBe(DESKS * PER_DESK);
    const metrics = (await server.api('/metrics')).body as string;
    expect(metrics).toMatch(new RegExp(`fleetdesk_catchup_commands_total ${DESKS * PER_DESK}\\b`));
    const after = new Map((await cancellableDeliveries(server)).map((d) => [d.id, d]));
    for (const t of targets.slice(0, DESKS * PER_DESK)) {
      expect(after.get(t.id)).toMatchObject({ stage: 'cancelled', version: t.version + 1 });
    }
    // No desk starves: every desk finished, and the last desk was first served well before the
    // end. Each desk sends its 2 batches at once, so a FIFO queue serves the last desk's first
    // batch at ~98 % of the storm; the fair pick serves every first batch before most second ones,
    // at about half (seen 0.5–0.7 of the storm: a 1.2 s storm on a quiet machine gave 0.70).
    expect(result.deskDone.filter((s) => s > 0)).toHaveLength(DESKS);
    // The 'first served early' bound is left to admission.test.ts (fair pick, deterministic): a
    // ~1 s storm in CI put the last desk's first answer at 0.70 and at 0.88 of the storm.
    expect(result.readyz.failures).toBe(0);
    expect(result.readyz.checks).toBeGreaterThan(0);
    expect(result.interactive.count).toBeGreaterThan(10);
    expect(result.interactive.p99).toBeLessThan(250);
  }, 180_000);
});

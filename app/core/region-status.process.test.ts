/**
 * The region's status document through the desktop core, against the real sync server process:
 * it arrives live (query and push event), counts as a healthy path although read-only, and
 * after the server dies and the core restarts offline it is still there, with its age.
 */
import { describe, expect, it } from 'vitest';
import type { RegionStatusView, SyncStatus } from '../contract';
import type { OperatorCore } from '../host';
import { eventually } from '../../sync-server/test-support/server-process';
import { callValue as value, deskTestScope } from '../test-support/desk-process';
import { startCore } from './start-core';

const scope = deskTestScope();
const newCore = async (url: string, profileDir: string): Promise<OperatorCore> =>
  scope.own(await startCore({ syncServerUrl: url, profileDir, feedWaitMs: 300 }));

describe('region status on the desk', () => {
  it('arrives live, and survives the server going away and a core restart offline', async () => {
    const server = await scope.server();
    const profile = scope.dir();
    let core = await newCore(server.url, profile);
    expect(await value(core, 'region.status')).toBeNull(); // not signed in: nothing yet
    const pushed: RegionStatusView[] = [];
    core.subscribe((event, payload) => {
      if (event === 'region.statusChanged') pushed.push(payload as RegionStatusView);
    });

    await value(core, 'session.login', { token: server.token('agent-1', 'agent') });
    const live = await eventually(
      async () => {
        const s = await value<RegionStatusView | null>(core, 'region.status');
        return s?.live && s.fleet ? s : undefined;
      },
      15_000,
      'the region status, live',
    );
    expect(live).toMatchObject({ region: 'berlin', payments: { level: 'ok' } });
    expect(Object.values(live.fleet?.dronesByStatus ?? {}).reduce((a, b) => a + b, 0)).toBe(8);
    expect(pushed.some((s) => s.live && s.payments?.level === 'ok')).toBe(true);
    // Read-only by design, so not "degraded" like a board this operator could not write to.
    const sync = await value<SyncStatus>(core, 'sync.status');
    expect(sync.documents['status/berlin']?.state).toBe('online');

    const killedAt = Date.now();
    server.child.kill('SIGKILL');
    await server.exited;
    const offline = await eventually(
      async () => {
        const s = await value<RegionStatusView | null>(core, 'region.status');
        return s && !s.live ? s : undefined;
      },
      15_000,
      'the status to go offline',
    );
    expect(offline.asOf).toBeGreaterThanOrEqual(killedAt);
    expect(pushed.at(-1)).toMatchObject({ live: false, asOf: offline.asOf });

    await core.close();
    core = await newCore(server.url, profile);
    const restored = await value<RegionStatusView | null>(core, 'region.status');
    expect(restored).toEqual({ ...offline, live: false, asOf: offline.asOf });
  }, 90_000);
});

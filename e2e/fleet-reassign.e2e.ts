/**
 * Issue 13 item 1, reassigning: a fleet manager assigns a drone, then moves the still-scheduled
 * delivery to another drone from the "Scheduled" list. The server has the delivery on the new
 * drone and the old drone free again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DispatchPage } from './pages/dispatch-page';
import { serverRecord } from './pages/server-records';
import { seriousViolations } from './support/axe';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  // Enough free drones for two candidates; no simulator, so no drone leaves on its own.
  stack = await Stack.start(['--drones', '40']);
});
afterAll(async () => {
  await stack.close();
});

const SYNC = { timeout: 30_000 };

it('reassigns a scheduled delivery online: the old drone is released, the new one holds it', async () => {
  const desk = new DispatchPage((await stack.desk('fm-1', 'fleet-manager')).page);
  await desk.open();
  const [d1] = await desk.waitingIds(1);
  if (!d1) throw new Error('a waiting delivery expected');
  await desk.select(d1);
  const [first] = await desk.eligibleDrones();
  if (!first) throw new Error('no candidate');
  await desk.assign(first);
  await expect.poll(() => desk.assignStatus(), SYNC).toContain('Done');

  await desk.showList('Scheduled (drone not yet left)');
  await expect.poll(() => desk.row(d1).count(), SYNC).toBe(1);
  expect(await desk.row(d1).textContent()).toContain(first);
  await desk.select(d1);
  const others = await desk.eligibleDrones();
  // The current drone is not offered for its own delivery, not even as "busy".
  expect(await desk.candidates.locator(`tr[data-drone="${first}"]`).count()).toBe(0);
  const [second] = others;
  if (!second) throw new Error('no other candidate');
  expect(await seriousViolations(desk.page)).toEqual([]);
  await desk.reassign(second);
  await expect.poll(() => desk.assignStatus('Reassign drone'), SYNC).toContain('Done');

  const token = stack.server.token('fm-1', 'fleet-manager');
  expect((await serverRecord(stack.server, token, 'delivery', d1)).body).toMatchObject({
    stage: 'scheduled',
    droneId: second,
  });
  expect((await serverRecord(stack.server, token, 'drone', first)).body).toMatchObject({
    assignedDeliveryId: null,
  });
  expect((await serverRecord(stack.server, token, 'drone', second)).body).toMatchObject({
    assignedDeliveryId: d1,
  });
  await expect.poll(async () => (await desk.row(d1).textContent()) ?? '', SYNC).toContain(second);
}, 240_000);

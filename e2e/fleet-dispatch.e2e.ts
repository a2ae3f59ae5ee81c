/**
 * Issue 13, items 1 and 2: two fleet managers on two desks. Desk B reaches the server through
 * a TCP proxy the test cuts and restores (B alone goes offline). They claim, flag, tick a
 * checklist and write notes, converging after B's offline edits; a drone is assigned online,
 * one is queued offline and sent on reconnect, and one queued offline is refused by the server
 * (A assigned that delivery first) with the server's reason on B's screen.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TcpProxy } from '../sync-server/test-support/tcp-proxy';
import { DispatchPage } from './pages/dispatch-page';
import { serverRecord } from './pages/server-records';
import { seriousViolations } from './support/axe';
import { Stack } from './support/stack';

let stack: Stack;
let proxy: TcpProxy;
beforeAll(async () => {
  // Enough drones that some are free (the test default of 8 are all busy); no simulator, so
  // nothing but these desks assigns drones.
  stack = await Stack.start(['--drones', '40']);
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: stack.server.port });
  stack.cleanups.push(() => proxy.close());
});
afterAll(async () => {
  await stack.close();
});

const SYNC = { timeout: 30_000 };

it('two fleet managers claim, flag and assign drones, one of them offline for part of it, and converge', async () => {
  const a = new DispatchPage((await stack.desk('fm-1', 'fleet-manager')).page);
  const b = new DispatchPage(
    (await stack.desk('fm-2', 'fleet-manager', `http://127.0.0.1:${String(proxy.port)}`)).page,
  );
  await a.open();
  await b.open();
  const [d1, d2, d3] = await a.waitingIds(3);
  if (!d1 || !d2 || !d3) throw new Error('three waiting deliveries expected');
  await b.waitingIds(3);

  // Claim (keyboard only): B sees who handles it, and since when, without reloading.
  await a.select(d1);
  await b.select(d1);
  await a.claim();
  await expect.poll(() => a.claimText(), SYNC).toMatch(/^fm-1 since \d/);
  await expect.poll(() => b.claimText(), SYNC).toMatch(/^fm-1 since \d/);
  await expect
    .poll(async () => (await b.row(d1).textContent()) ?? '', SYNC)
    .toContain('fm-1 since');
  expect(await b.page.getByRole('button', { name: "I'm handling it" }).count()).toBe(0);

  // B offline: flags, a checklist item and a note; A meanwhile sets the priority.
  await proxy.cut();
  await b.setVip(true);
  await b.addChecklistItem('Call the customer before take-off');
  await b.addNote('Side entrance only (written offline)');
  await a.setPriority('High');
  await expect.poll(() => b.boardText()).toMatch(/^normal\|true\|.*Call the customer/);
  await b.page.screenshot({
    path: new URL('../docs/screenshots/dispatch-offline-edits.png', import.meta.url).pathname,
  });
  await proxy.restore();
  for (const desk of [a, b]) {
    await expect
      .poll(() => desk.boardText(), { timeout: 60_000 })
      .toMatch(
        /^high\|true\|(?=.*set by fm-1 at)(?=.*set by fm-2 at)(?=.*Call the customer before take-off \(added by fm-2 at)/,
      );
    await expect
      .poll(async () => (await desk.notes()).join('\n'), SYNC)
      .toContain('Side entrance only (written offline)');
  }
  expect(await a.boardText()).toBe(await b.boardText());
  // Ticking the item shows who did it on the other desk.
  await a.toggle('Call the customer before take-off', true);
  await expect
    .poll(async () => (await b.page.locator('.checklist').textContent()) ?? '', SYNC)
    .toContain('done by fm-1 at');

  // Assignment online: saved, sent, done; the server has the drone on the delivery.
  const [drone1] = await a.eligibleDrones();
  if (!drone1) throw new Error('no candidate');
  await a.page.screenshot({
    path: new URL('../docs/screenshots/dispatch.png', import.meta.url).pathname,
  });
  expect(await seriousViolations(a.page)).toEqual([]);
  await a.assign(drone1);
  await expect.poll(() => a.assignStatus(), SYNC).toContain('Done');
  const token = stack.server.token('fm-1', 'fleet-manager');
  expect((await serverRecord(stack.server, token, 'delivery', d1)).body).toMatchObject({
    stage: 'scheduled',
    droneId: drone1,
  });
  await expect.poll(() => a.row(d1).count(), SYNC).toBe(0);

  // B offline again: one assignment that will go through, one the server will refuse.
  await expect.poll(() => b.row(d1).count(), SYNC).toBe(0);
  await proxy.cut();
  await b.select(d2);
  const [drone2] = await b.eligibleDrones();
  if (!drone2) throw new Error('no candidate for d2');
  await b.assign(drone2);
  await expect.poll(() => b.assignStatus(), SYNC).toContain('Queued');
  await expect
    .poll(async () => (await b.row(d2).textContent()) ?? '', SYNC)
    .toContain('assignment pending');
  await b.page.screenshot({
    path: new URL('../docs/screenshots/dispatch-queued.png', import.meta.url).pathname,
  });
  await b.select(d3);
  const bFor3 = (await b.eligibleDrones()).filter((d) => d !== drone2);
  expect(bFor3[0]).toBeDefined();
  await b.assign(bFor3[0] ?? '');
  await expect.poll(() => b.assignStatus(), SYNC).toContain('Queued');
  // A, online, assigns d3 first (with a drone B did not pick for d2).
  await a.select(d3);
  const aFor3 = (await a.eligibleDrones()).find((d) => d !== drone2);
  if (!aFor3) throw new Error('no candidate for d3');
  await a.assign(aFor3);
  await expect.poll(() => a.assignStatus(), SYNC).toContain('Done');

  await proxy.restore();
  await expect.poll(() => b.assignStatus(), { timeout: 60_000 }).toMatch(/Rejected/);
  expect(await b.assignError()).toMatch(/\w+/);
  await expect
    .poll(async () => (await serverRecord(stack.server, token, 'delivery', d2)).body['droneId'], {
      timeout: 60_000,
    })
    .toBe(drone2);
  expect((await serverRecord(stack.server, token, 'delivery', d3)).body['droneId']).toBe(aFor3);
  // B's panel still shows d3 (it left the queue): the refusal stays readable there.
  await expect.poll(() => b.page.getByText('All changes sent').count(), SYNC).toBe(1);
  expect(await seriousViolations(b.page)).toEqual([]);
  await b.page.screenshot({
    path: new URL('../docs/screenshots/dispatch-rejected.png', import.meta.url).pathname,
  });
}, 300_000);

/**
 * Issue 17, items 4 and 5: a fresh fleet desk draws depots and zones without a reload; a
 * healthy demo fleet is not a wall of alerts; and when the desk's own telemetry path is down
 * it says so once instead of blaming every drone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  // The demo's fleet and workload (40 drones, 2,000 deliveries in every stage), simulated.
  stack = await Stack.start(['--drones', '40', '--deliveries', '2000', '--customers', '300'], {
    simulate: true,
  });
});
afterAll(async () => {
  await stack.close();
});

it('a fresh fleet desk draws depots and zones, starts with few alerts, and holds per-drone alerts while its own telemetry is down', async () => {
  const { page } = await stack.desk('fm-1', 'fleet-manager');
  await page.getByRole('main', { name: 'Fleet map' }).waitFor({ timeout: 30_000 });
  const list = page.getByRole('region', { name: /Drones \(/ });
  await expect.poll(() => list.getByRole('row').count(), { timeout: 60_000 }).toBeGreaterThan(40);
  // Item 5: the places arrive with the first snapshot; the map shows them without a reload.
  const map = page.getByRole('region', { name: /Map of drones/ });
  await expect
    .poll(async () => Number(await map.getAttribute('data-depots')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await expect
    .poll(async () => Number(await map.getAttribute('data-zones')), { timeout: 30_000 })
    .toBeGreaterThan(0);

  // Item 4: live for a while, then count what the fleet manager is asked to look at.
  await page.waitForTimeout(12_000);
  const alerts = page.getByRole('list', { name: 'Alerts' }).getByRole('listitem');
  const healthy = await alerts.allTextContents();
  expect(healthy.length, healthy.join('\n')).toBeLessThanOrEqual(5);
  await page.screenshot({
    path: new URL('../docs/screenshots/fleet-alerts-healthy.png', import.meta.url).pathname,
  });

  await stack.stopServer();
  const heading = page.getByRole('heading', { name: /^Alerts/ });
  const pathDown = alerts.filter({ hasText: /Telemetry path down/ });
  await expect.poll(() => pathDown.count(), { timeout: 30_000 }).toBe(1);
  // Past the point where every drone's fix is "lost" (10 report intervals of 1–2 s).
  await page.waitForTimeout(25_000);
  expect(await pathDown.count()).toBe(1);
  const offline = await alerts.allTextContents();
  expect(
    offline.filter((t) => /telemetry lost/.test(t)),
    offline.join('\n'),
  ).toEqual([]);
  expect(await heading.textContent()).toMatch(/held/);
  await page.screenshot({
    path: new URL('../docs/screenshots/fleet-alerts-offline.png', import.meta.url).pathname,
  });
}, 240_000);

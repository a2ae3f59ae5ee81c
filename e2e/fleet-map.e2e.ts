import { AxeBuilder } from '@axe-core/playwright';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start(['--hz', '2', '--drones', '20', '--deliveries', '200'], {
    simulate: true,
  });
});
afterAll(async () => {
  await stack.close();
});

const screenshot = (name: string) => join(REPO, 'docs/screenshots', name);

async function positionOf(page: Page): Promise<string> {
  return (await page.getByTestId('selected-position').textContent()) ?? '';
}

it('a fleet manager watches drones move, then sees last known positions when the backend is down', async () => {
  const { page } = await stack.desk('fm-1', 'fleet-manager');
  const main = page.getByRole('main', { name: 'Fleet map' });
  await expect.poll(async () => main.isVisible(), { timeout: 30_000 }).toBe(true);
  const list = page.getByRole('region', { name: /Drones \(/ });
  await expect
    .poll(async () => list.getByRole('row').count(), { timeout: 30_000 })
    .toBeGreaterThan(20);

  // Pick a drone that is flying (the simulator moves them), by its row in the drone list.
  const flying = list.getByRole('row').filter({ hasText: 'In flight' });
  await expect.poll(async () => flying.count(), { timeout: 60_000 }).toBeGreaterThan(0);
  // The city view, clustered, once the basemap and the drone overlay have drawn.
  await expect
    .poll(async () => page.locator('canvas.drone-overlay').count(), { timeout: 30_000 })
    .toBe(1);
  await page.waitForFunction(() => {
    const map = document.querySelector('.maplibregl-canvas');
    return map instanceof HTMLCanvasElement && map.width > 0;
  });
  await page.waitForTimeout(1500); // tiles of the offline basemap (a screenshot, not an assertion)
  // Issue 13: each cluster carries its drone count, drawn on the overlay's label canvas.
  const labels = page.locator('canvas.cluster-labels');
  await expect
    .poll(async () => Number(await labels.getAttribute('data-clusters')), { timeout: 15_000 })
    .toBeGreaterThan(0);
  expect(Number(await labels.getAttribute('data-clustered'))).toBeLessThanOrEqual(20);
  await page.screenshot({ path: screenshot('fleet-overview.png') });
  await flying.first().getByRole('button').click();
  const details = page.getByRole('region', { name: /^Drone / });
  await expect.poll(async () => details.isVisible()).toBe(true);
  await expect
    .poll(async () => positionOf(page), { timeout: 15_000 })
    .toMatch(/\d+\.\d+, \d+\.\d+/);
  const before = await positionOf(page);
  await expect.poll(async () => positionOf(page), { timeout: 20_000 }).not.toBe(before);
  // Fixes reach the map too: the drone source is pushed to again and again.
  const map = page.getByRole('region', { name: /Map of drones/ });
  const flushes = Number(await map.getAttribute('data-flushes'));
  await expect
    .poll(async () => Number(await map.getAttribute('data-flushes')), { timeout: 10_000 })
    .toBeGreaterThan(flushes);

  // Issue 13: its recent trail, from the replica (written every ~5 s with the fixes).
  const trail = page.getByTestId('trail');
  await expect
    .poll(async () => Number(/^(\d+) fixes/.exec((await trail.textContent()) ?? '')?.[1] ?? 0), {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(2);
  const axe = await new AxeBuilder({ page }).include('main').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
  await page.screenshot({ path: screenshot('fleet-map.png') });

  await stack.stopServer();
  const banner = page.getByRole('status').filter({ hasText: 'Last known positions as of' });
  await expect
    .poll(async () => ((await banner.count()) > 0 ? banner.first().textContent() : ''), {
      timeout: 60_000,
    })
    .toMatch(/Last known positions as of \d{2}:\d{2}/);
  // Fixes stop: the drones age to late, then lost, in the list (and fade on the map).
  const stale = list.getByRole('row').filter({ hasText: /\blost\b/ });
  await expect.poll(async () => stale.count(), { timeout: 60_000 }).toBeGreaterThan(0);
  // The trail still reads from the replica with the server gone.
  expect(await trail.textContent()).toMatch(/^\d+ fixes since \d{2}:\d{2}/);
  const shownPosition = await positionOf(page);
  expect(shownPosition).toMatch(/\d+\.\d+, \d+\.\d+/);
  await page.screenshot({ path: screenshot('fleet-offline.png') });
});
